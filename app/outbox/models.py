"""Rows of the job outbox, and the record of mails already sent by a job."""

from sqlalchemy.dialects.postgresql import JSONB

from app.consultations.models import utcnow
from app.extensions import db


class OutboxJob(db.Model):
    """One RQ job asked for by a committed write; handed to RQ once (dispatched_at), by job id."""

    __tablename__ = "job_outbox"
    id = db.Column(db.BigInteger, primary_key=True)
    job_id = db.Column(db.String(64), nullable=False, unique=True)
    queue = db.Column(db.String(40), nullable=False)
    func = db.Column(db.String(200), nullable=False)
    args = db.Column(JSONB, nullable=False, default=list)
    kwargs = db.Column(JSONB, nullable=False, default=dict)
    retry_max = db.Column(db.Integer)
    retry_intervals = db.Column(JSONB)
    timeout = db.Column(db.Integer)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    dispatched_at = db.Column(db.DateTime(timezone=True))
    # When the job ended (success, or failure for good); a job dispatched but neither ended nor
    # known to Redis any more (Redis restarted without its data) is handed over again.
    completed_at = db.Column(db.DateTime(timezone=True))
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.Text)

    __table_args__ = (
        db.Index(
            "ix_job_outbox_undispatched",
            "id",
            postgresql_where=db.text("dispatched_at IS NULL"),
        ),
        db.Index(
            "ix_job_outbox_in_flight",
            "dispatched_at",
            postgresql_where=db.text("dispatched_at IS NOT NULL AND completed_at IS NULL"),
        ),
    )


class SentMail(db.Model):
    """A mail sent by an RQ job: a job run twice (re-dispatched, retried) does not send it again."""

    __tablename__ = "sent_mails"
    job_id = db.Column(db.String(80), primary_key=True)
    recipient = db.Column(db.String(320), nullable=False)
    sent_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
