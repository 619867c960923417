"""Imports every model so that mappers resolve and Alembic sees the whole schema."""

from app.accounts.models import ApiToken, User  # noqa: F401
from app.consultations.models import Consultation  # noqa: F401
from app.contributions.models import Comment, Contribution, ContributionVersion, Photo, Vote  # noqa: F401
from app.exports.models import Export  # noqa: F401
from app.idempotency import IdempotencyKey  # noqa: F401
from app.maps.models import MapGridCell, MapGridState  # noqa: F401
from app.moderation.models import Flag, ModerationAction, RejectReason  # noqa: F401
from app.notifications.models import Follow, Notification, NotificationPreference  # noqa: F401
from app.outbox.models import OutboxJob, SentMail  # noqa: F401
from app.reports.models import Report  # noqa: F401
from app.restitution.models import Restitution  # noqa: F401
from app.territory.models import Commune, Qpv, Qpv2024, Theme  # noqa: F401
from app.workshops.models import Kiosk, Workshop, WorkshopParticipant, WorkshopTally  # noqa: F401
