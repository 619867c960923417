"""Back-office writes on consultations: create, edit, states; every change goes to the audit log."""

from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.consultations import perimeter as perimeters
from app.consultations.models import (
    GEOMETRY_KINDS,
    MODERATION_MODES,
    STATUSES,
    VOTING_MODES,
    Consultation,
    Landmark,
)
from app.consultations.phases import replace_phases
from app.consultations.staff import ensure_assignment, leads_any, may
from app.errors import Conflict, Forbidden, Invalid
from app.extensions import db
from app.territory.models import Qpv, Theme

SIMPLE = (
    "title",
    "summary",
    "description",
    "easy_read_summary",
    "buffer_m",
    "moderation_mode",
    "voting_mode",
    "geometry_kinds",
)
EASY_READ_MAX = 5000
STATUS_LABELS = {"draft": _l("Brouillon"), "published": _l("Publiée"), "archived": _l("Archivée")}


def snapshot(consultation):
    """The editable fields of a consultation, JSON-ready (before/after in the audit log)."""
    data = {name: getattr(consultation, name) for name in ("slug", "status", *SIMPLE)}
    data["qpv_codes"] = [q.code for q in consultation.qpvs]
    data["themes"] = [t.slug for t in consultation.themes]
    data["perimeter_provisional"] = consultation.perimeter_provisional
    data["phases"] = [
        {
            "name": p.name,
            "starts_at": p.starts_at.isoformat(),
            "ends_at": p.ends_at.isoformat(),
            "actions": p.actions,
        }
        for p in consultation.phases
    ]
    data["landmarks"] = [lm.name for lm in _landmarks(consultation)]
    return data


def _utc(moment):
    return moment.astimezone(UTC).isoformat(timespec="minutes")


def create_from_backoffice(actor, data, trusted=False):
    """A new consultation (draft unless told otherwise); its non-admin creator becomes its project lead.

    `trusted` is for setup files run from the command line (no actor)."""
    if not trusted and not leads_any(actor):
        raise Forbidden(_("Seuls les administrateurs et les chefs de projet ouvrent une concertation."))
    consultation = Consultation(status="draft", is_published=False, perimeter_provisional=True)
    data = {"status": "draft", **data}
    _apply(consultation, data, creating=True)
    if actor is not None and actor.role != "admin":
        ensure_assignment(consultation, actor, "chef_de_projet", assigned_by=actor)
    _audit(actor, "consultation_create", consultation, None, snapshot(consultation))
    return consultation


def update_from_backoffice(actor, consultation, data):
    """Apply changes (admins and this consultation's project leads); audited with before/after."""
    check_can_edit(actor, consultation)
    before = snapshot(consultation)
    _apply(consultation, data, creating=False)
    after = snapshot(consultation)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        action = "consultation_status" if set(changed) == {"status"} else "consultation_update"
        _audit(actor, action, consultation, {k: before.get(k) for k in changed}, changed)
    return consultation


def check_can_edit(actor, consultation):
    """Forbidden unless `actor` is an admin or a project lead of this consultation."""
    if not may(actor, "edit", consultation.id):
        raise Forbidden(
            _("Seuls les administrateurs et les chefs de projet de cette concertation la modifient.")
        )


def _apply(consultation, data, creating):
    """Validate everything first, then write: a bad field saves nothing."""
    fields = _check_simple(data)
    slug = data.get("slug", consultation.slug)
    fields.update(_check_slug(slug, consultation.id))
    if creating and not (data.get("title") or "").strip():
        fields["title"] = [_("Le titre est obligatoire.")]
    uploaded = bool(data.get("perimeter") or data.get("perimeter_ewkt"))
    qpvs = None
    if "qpv_codes" in data:
        qpvs = [] if uploaded and not data["qpv_codes"] else _qpvs(data["qpv_codes"], fields)
    themes = _themes(data["themes"], fields) if "themes" in data else None
    if data.get("npnru_qpv_code") and data["npnru_qpv_code"] not in [
        q.code for q in qpvs or consultation.qpvs
    ]:
        fields["npnru_qpv_code"] = [_("Le site NPNRU doit être l'un des quartiers de la concertation.")]
    if creating and qpvs is None and not uploaded:
        fields["qpv_codes"] = [_("Choisissez au moins un quartier ou envoyez un périmètre.")]
    if fields:
        raise Invalid(_first(fields), fields=fields)
    geom = data.get("perimeter_ewkt")
    if data.get("perimeter"):
        geom = perimeters.from_geojson(data["perimeter"])
    landmarks = perimeters.check_landmarks(data["landmarks"]) if "landmarks" in data else None
    phases = data.get("phases")
    if creating and not phases:
        raise Invalid(
            _("Indiquez au moins une phase (dates et actions permises)."), fields={"phases": [_("Requis.")]}
        )
    _write(consultation, data, slug, qpvs, themes, geom, landmarks, creating)
    if phases is not None:
        replace_phases(consultation, phases)
    return consultation


def _write(consultation, data, slug, qpvs, themes, geom, landmarks, creating):
    consultation.slug = slug
    for name in SIMPLE:
        if name in data:
            value = data[name]
            setattr(consultation, name, value.strip() if isinstance(value, str) else value)
    if "npnru_qpv_code" in data:
        consultation.npnru_qpv_code = data["npnru_qpv_code"]
    if "status" in data:
        consultation.status = data["status"]
        # An archived consultation stays readable; only drafts are hidden.
        consultation.is_published = data["status"] != "draft"
    if qpvs is not None:
        consultation.qpvs = qpvs
    if themes is not None or creating:
        consultation.themes = themes or list(db.session.scalars(select(Theme).order_by(Theme.position)))
    if geom is not None:
        consultation.geom, consultation.perimeter_provisional = geom, False
    elif qpvs:
        from app.consultations.services import perimeter_for_qpvs

        consultation.geom, consultation.perimeter_provisional = perimeter_for_qpvs([q.code for q in qpvs])
    if creating:
        # Placeholder dates until the phases are written (they set opens_at/closes_at).
        consultation.opens_at, consultation.closes_at = datetime(2000, 1, 1), datetime(2000, 1, 2)
        db.session.add(consultation)
    db.session.flush()
    if landmarks is not None:
        db.session.execute(delete(Landmark).where(Landmark.consultation_id == consultation.id))
        for position, (name, lon, lat) in enumerate(landmarks):
            db.session.add(
                Landmark(
                    consultation_id=consultation.id,
                    position=position,
                    name=name,
                    geom=f"SRID=4326;POINT({lon} {lat})",
                )
            )
        db.session.flush()


def _check_simple(data):
    fields = {}
    if "title" in data and not (data["title"] or "").strip():
        fields["title"] = [_("Le titre est obligatoire.")]
    if "title" in data and len(data["title"] or "") > 200:
        fields["title"] = [_("200 caractères au plus.")]
    if len(data.get("summary") or "") > 400:
        fields["summary"] = [_("Le résumé fait 400 caractères au plus.")]
    if len(data.get("easy_read_summary") or "") > EASY_READ_MAX:
        fields["easy_read_summary"] = [
            _("Le résumé « Facile à lire et à comprendre » fait 5 000 caractères au plus.")
        ]
    if "buffer_m" in data and not (isinstance(data["buffer_m"], int) and 0 <= data["buffer_m"] <= 5000):
        fields["buffer_m"] = [_("La marge autour du périmètre va de 0 à 5 000 mètres.")]
    if "moderation_mode" in data and data["moderation_mode"] not in MODERATION_MODES:
        fields["moderation_mode"] = [_("Mode de modération inconnu (pre ou post).")]
    if "voting_mode" in data and data["voting_mode"] not in VOTING_MODES:
        fields["voting_mode"] = [_("Mode de vote inconnu (agree_disagree ou support).")]
    kinds = data.get("geometry_kinds", ["point"])
    if not kinds or any(kind not in GEOMETRY_KINDS for kind in kinds):
        fields["geometry_kinds"] = [_("Choisissez parmi point, ligne (line) et zone (polygon).")]
    if "status" in data and data["status"] not in STATUSES:
        fields["status"] = [_("État inconnu : draft, published ou archived.")]
    return fields


def _check_slug(slug, own_id):
    if not slug or len(slug) > 80 or not slug.replace("-", "").isalnum() or slug != slug.lower():
        return {"slug": [_("Adresse invalide : lettres minuscules, chiffres et tirets.")]}
    taken = db.session.scalar(select(Consultation.id).where(Consultation.slug == slug))
    if taken is not None and taken != own_id:
        raise Conflict(
            _("Une concertation utilise déjà l'adresse « %(slug)s ».", slug=slug),
            fields={"slug": [_("Adresse déjà utilisée.")]},
        )
    return {}


def _qpvs(codes, fields):
    codes = [str(c).strip().upper() for c in codes or []]
    if not codes:
        fields["qpv_codes"] = [_("Choisissez au moins un quartier.")]
        return None
    found = db.session.scalars(select(Qpv).where(Qpv.code.in_(codes)).order_by(Qpv.code)).all()
    unknown = sorted(set(codes) - {q.code for q in found})
    if unknown:
        fields["qpv_codes"] = [f"QPV inconnu : {', '.join(unknown)}."]
    return list(found)


def _themes(slugs, fields):
    found = db.session.scalars(
        select(Theme).where(Theme.slug.in_(slugs or [])).order_by(Theme.position)
    ).all()
    unknown = sorted(set(slugs or []) - {t.slug for t in found})
    if unknown or not found:
        fields["themes"] = [
            _("Thème inconnu : %(unknown)s.", unknown=", ".join(unknown))
            if unknown
            else _("Choisissez au moins un thème.")
        ]
    return list(found)


def _landmarks(consultation):
    if consultation.id is None:
        return []
    return db.session.scalars(
        select(Landmark).where(Landmark.consultation_id == consultation.id).order_by(Landmark.position)
    ).all()


def _first(fields):
    return next(iter(fields.values()))[0]


def _audit(actor, action, consultation, before, after):
    from app.moderation.services.audit import record

    record(actor, action, "consultation", consultation.id, consultation.id, before=before, after=after)
