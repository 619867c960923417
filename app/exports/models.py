"""Export jobs: parameters, progress and the file they produced."""

from sqlalchemy.dialects.postgresql import JSONB

from app.consultations.models import utcnow
from app.extensions import db

EXPORT_FORMATS = ("csv", "xlsx", "geojson", "gpkg")
EXPORT_CRS = ("EPSG:4326", "EPSG:2154")


class Export(db.Model):
    __tablename__ = "exports"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    format = db.Column(db.String(8), nullable=False)
    crs = db.Column(db.String(12), nullable=False, default="EPSG:4326")
    params = db.Column(JSONB, nullable=False, default=dict)
    status = db.Column(db.String(12), nullable=False, default="queued")  # queued, started, finished, failed
    progress = db.Column(db.Integer, nullable=False, default=0)
    job_id = db.Column(db.String(64))
    file_path = db.Column(db.String(300))
    file_size = db.Column(db.BigInteger)
    row_count = db.Column(db.Integer)
    error = db.Column(db.Text)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime(timezone=True))
    expires_at = db.Column(db.DateTime(timezone=True))
