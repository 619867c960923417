"""Generated reports ("bilan de la concertation"), versioned per consultation, QPV or the territory."""

from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import JSONB

from app.consultations.models import utcnow
from app.extensions import db

REPORT_STATUSES = ("queued", "started", "finished", "failed")
STATUS_LABELS = {
    "queued": _l("En file d'attente"),
    "started": _l("En cours"),
    "finished": _l("Terminé"),
    "failed": _l("Échec"),
}


class Report(db.Model):
    """One version of a report; consultation_id, qpv_code or neither (whole territory)."""

    __tablename__ = "reports"
    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    qpv_code = db.Column(db.String(16), db.ForeignKey("qpv.code"), index=True)
    version = db.Column(db.Integer, nullable=False, default=1)
    status = db.Column(db.String(12), nullable=False, default="queued")  # queued, started, finished, failed
    progress = db.Column(db.Integer, nullable=False, default=0)
    job_id = db.Column(db.String(64))
    attempts = db.Column(db.Integer, nullable=False, default=0)
    figures = db.Column(JSONB)
    pdf_path = db.Column(db.String(300))  # relative to REPORT_DIR
    error = db.Column(db.Text)
    requested_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime(timezone=True))
    data_date = db.Column(db.DateTime(timezone=True))

    consultation = db.relationship("Consultation")
    qpv = db.relationship("Qpv")
    requested_by = db.relationship("User")

    __table_args__ = (
        db.CheckConstraint("consultation_id IS NULL OR qpv_code IS NULL", name="one_scope"),
        db.CheckConstraint("status IN ('queued', 'started', 'finished', 'failed')", name="status"),
        db.Index(
            "uq_reports_consultation_version",
            "consultation_id",
            "version",
            unique=True,
            postgresql_where=db.text("consultation_id IS NOT NULL"),
        ),
        db.Index(
            "uq_reports_qpv_version",
            "qpv_code",
            "version",
            unique=True,
            postgresql_where=db.text("qpv_code IS NOT NULL"),
        ),
        db.Index(
            "uq_reports_territory_version",
            "version",
            unique=True,
            postgresql_where=db.text("consultation_id IS NULL AND qpv_code IS NULL"),
        ),
    )

    @property
    def scope(self):
        if self.consultation_id:
            return "consultation"
        return "qpv" if self.qpv_code else "territory"

    @property
    def scope_key(self):
        """A stable text key of the scope, e.g. 'consultation:3', 'qpv:QP062024', 'territory'."""
        if self.consultation_id:
            return f"consultation:{self.consultation_id}"
        return f"qpv:{self.qpv_code}" if self.qpv_code else "territory"

    @property
    def is_running(self):
        return self.status in ("queued", "started")

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)
