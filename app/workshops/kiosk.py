"""Kiosk mode: a tablet running the account-free flow of one consultation (services and draft store).

The tablet is identified by a random device token kept in a cookie (only its SHA-256 is stored).
The participant's draft lives in Redis for `idle_reset_seconds` after the last touch: when the
tablet is left alone, the server forgets it, as the page does.
"""

import hashlib
import json
import secrets
import time

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.consultations.models import utcnow
from app.contributions.services import create_contribution
from app.errors import Forbidden, Invalid, Unauthorized
from app.extensions import db, redis_connection
from app.workshops import queries
from app.workshops.models import Kiosk

COOKIE_NAME = "cc_borne"
MIN_IDLE, MAX_IDLE = 20, 900
DRAFT_FIELDS = {"step": 20, "theme": 64, "title": 140, "body": 5000}


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def open_kiosk(user, consultation, name, code, idle_reset_seconds=90, workshop=None):
    """Open a kiosk for one consultation; returns (kiosk, raw device token for the tablet's cookie)."""
    if user is None or not user.is_authenticated:
        raise Unauthorized()
    if workshop is not None:
        queries.check_can_manage(user, workshop)
    elif not (user.is_staff or queries.facilitates_consultation(user, consultation.id)):
        raise Forbidden(_("Seuls les animateurs de cette concertation ouvrent une borne."))
    errors = {}
    if workshop is not None and workshop.consultation_id != consultation.id:
        errors["workshop"] = [_("Cet atelier appartient à une autre concertation.")]
    if not consultation.is_open():
        errors["consultation"] = [_("Cette concertation n'est pas ouverte aux contributions.")]
    if not name or not 2 <= len(name.strip()) <= 120:
        errors["name"] = [_("Donnez un nom à la borne (2 à 120 caractères).")]
    if not code or not 4 <= len(code) <= 32:
        errors["code"] = [_("Le code de la borne compte de 4 à 32 caractères.")]
    if not isinstance(idle_reset_seconds, int) or not MIN_IDLE <= idle_reset_seconds <= MAX_IDLE:
        errors["idle_reset_seconds"] = [
            _(
                "Remise à zéro : entre %(min_idle)s et %(max_idle)s secondes.",
                min_idle=MIN_IDLE,
                max_idle=MAX_IDLE,
            )
        ]
    if errors:
        raise Invalid(fields=errors)
    raw = secrets.token_urlsafe(32)
    kiosk = Kiosk(
        consultation_id=consultation.id,
        workshop_id=workshop.id if workshop else None,
        name=name.strip(),
        code_hash=generate_password_hash(code),
        device_token_hash=hash_token(raw),
        opened_by_id=user.id,
        opened_at=utcnow(),
        idle_reset_seconds=idle_reset_seconds,
    )
    db.session.add(kiosk)
    db.session.flush()
    return kiosk, raw


def kiosk_for_device(raw):
    """The open kiosk of this device token, or None."""
    if not raw:
        return None
    return db.session.scalar(
        select(Kiosk).where(Kiosk.device_token_hash == hash_token(raw), Kiosk.closed_at.is_(None))
    )


def close_kiosk(kiosk, code):
    """Close a kiosk with its code: the device token dies and the draft is forgotten."""
    if not code or not check_password_hash(kiosk.code_hash, code):
        raise Forbidden(
            _("Code incorrect : la borne reste ouverte."), fields={"code": [_("Code incorrect.")]}
        )
    _close(kiosk)
    return kiosk


def close_kiosk_remotely(user, kiosk):
    """Close a kiosk from the back office (lost tablet, forgotten code)."""
    if kiosk.workshop is not None:
        queries.check_can_manage(user, kiosk.workshop)
    elif not (user.is_staff or queries.facilitates_consultation(user, kiosk.consultation_id)):
        raise Forbidden()
    _close(kiosk)
    return kiosk


def _close(kiosk):
    kiosk.closed_at = utcnow()
    kiosk.device_token_hash = None
    db.session.flush()
    reset_draft(kiosk)


def create_kiosk_contribution(kiosk, theme_slug, title, body, lon, lat, photos=()):
    """A participant's contribution from the kiosk: source « kiosk », always pre-moderated."""
    if not kiosk.is_open:
        raise Forbidden(_("Cette borne est fermée."))
    if lon is None or lat is None:
        message = _("Touchez la carte pour placer votre idée.")
        raise Invalid(message, fields={"geometry": [message]})
    contribution = create_contribution(
        None,
        kiosk.consultation,
        {"type": "Point", "coordinates": [lon, lat]},
        theme_slug,
        title,
        body or "",
        photos=photos,
        source="kiosk",
        workshop=kiosk.workshop,
        kiosk=kiosk,
    )
    reset_draft(kiosk)
    return contribution


# --- the participant's draft (Redis, forgotten after idle_reset_seconds) ---------------------------
def _draft_key(kiosk):
    return f"kiosk:draft:{kiosk.id}"


def save_draft(kiosk, data, now=None):
    """Keep the participant's draft for `idle_reset_seconds` from now (whitelisted fields)."""
    draft = {}
    for name, limit in DRAFT_FIELDS.items():
        value = data.get(name)
        if isinstance(value, str):
            draft[name] = value[:limit]
    point = data.get("point")
    if isinstance(point, list) and len(point) == 2 and all(isinstance(v, int | float) for v in point):
        draft["point"] = [float(point[0]), float(point[1])]
    draft["touched_at"] = now if now is not None else time.time()
    redis_connection().set(_draft_key(kiosk), json.dumps(draft), ex=kiosk.idle_reset_seconds)
    return draft


def load_draft(kiosk, now=None):
    """The draft if the tablet was touched less than `idle_reset_seconds` ago, else None (forgotten)."""
    raw = redis_connection().get(_draft_key(kiosk))
    if raw is None:
        return None
    draft = json.loads(raw)
    now = now if now is not None else time.time()
    if now - draft.get("touched_at", 0) >= kiosk.idle_reset_seconds:
        reset_draft(kiosk)
        return None
    return draft


def reset_draft(kiosk):
    """Forget the participant's draft (idle reset, contribution sent, kiosk closed)."""
    redis_connection().delete(_draft_key(kiosk))
