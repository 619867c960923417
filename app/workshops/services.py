"""Writes on workshops: creation and follow-up, entry on behalf of participants, paper tallies."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text

from app.accounts.models import AGE_BANDS, User
from app.accounts.queries import AGE_BAND_LABELS
from app.consultations.models import utcnow
from app.consultations.staff import may
from app.contributions.models import Contribution
from app.contributions.services import create_contribution
from app.errors import Forbidden, Invalid, Unauthorized
from app.extensions import db
from app.workshops import queries
from app.workshops.models import Workshop, WorkshopParticipant, WorkshopTally

CREATOR_ROLES = ("facilitator", "moderator", "admin")
# Anonymous demographics, in aggregate only: {group: {category: count}}.
DEMOGRAPHIC_GROUPS = {
    "age": AGE_BANDS,
    "genre": ("femmes", "hommes", "autre"),
    "habitants_qpv": ("oui", "non"),
}
DEMOGRAPHIC_LABELS = {
    "age": _l("Âge"),
    "genre": _l("Femmes / hommes"),
    "habitants_qpv": _l("Habitants du quartier prioritaire"),
}
CATEGORY_LABELS = {
    **AGE_BAND_LABELS,  # the same age bands as the residents' optional profile
    "femmes": _l("Femmes"),
    "hommes": _l("Hommes"),
    "autre": _l("Autre ou ne se prononce pas"),
    "oui": _l("Oui"),
    "non": _l("Non"),
}
MAX_COUNT = 100_000
EDITABLE = ("title", "starts_at", "ends_at", "place_name", "address", "participants_count", "notes")
_PHONE = re.compile(r"^[+0-9 .()-]{8,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_workshop(user, consultation, starts_at, place_name, **details):
    """Create a workshop of `consultation`; its creator becomes one of its facilitators."""
    if user is None or not user.is_authenticated:
        raise Unauthorized()
    if not may(user, "create_workshop", consultation.id):
        raise Forbidden(
            _(
                "Seuls les animateurs qu'un administrateur a affectés à cette concertation y créent des ateliers."
            )
        )
    workshop = Workshop(consultation=consultation, created_by_id=user.id, created_at=utcnow())
    details.setdefault("title", None)
    _apply(workshop, {"starts_at": starts_at, "place_name": place_name, **details})
    workshop.facilitators = [user, *_facilitators(details.get("facilitator_emails") or ())]
    db.session.add(workshop)
    db.session.flush()
    return workshop


def update_workshop(user, workshop, **changes):
    """Update a workshop's details (date, place, participants, demographics, notes, outcome)."""
    queries.check_can_manage(user, workshop)
    if changes.get("facilitator_emails"):
        # Co-facilitators see the participants' contacts: only the workshop's own team adds them.
        queries.check_can_see_participants(user, workshop)
    _apply(workshop, changes)
    extra = _facilitators(changes.get("facilitator_emails") or ())
    workshop.facilitators = list({u.id: u for u in [*workshop.facilitators, *extra]}.values())
    db.session.flush()
    return workshop


def _apply(workshop, values):
    errors = {}
    place = values.get("place_name", workshop.place_name)
    if not place or not 2 <= len(place.strip()) <= 200:
        errors["place_name"] = [_("Indiquez le lieu de l'atelier (2 à 200 caractères).")]
    if "title" in values:
        title = (values["title"] or "").strip() or f"Atelier — {(place or '').strip()}"
        values["title"] = title[:200]
    starts = values.get("starts_at", workshop.starts_at)
    if starts is None:
        errors["starts_at"] = [_("Indiquez la date et l'heure de l'atelier.")]
    ends = values.get("ends_at", workshop.ends_at)
    if starts and ends and ends <= starts:
        errors["ends_at"] = [_("La fin de l'atelier doit suivre son début.")]
    count = values.get("participants_count", workshop.participants_count) or 0
    if not 0 <= count <= MAX_COUNT:
        errors["participants_count"] = [_("Nombre de participants invalide.")]
    if values.get("demographics") is not None:
        errors.update(_check_demographics(values["demographics"], count))
    if "lon" in values or "lat" in values:
        errors.update(_check_point(values.get("lon"), values.get("lat")))
    if errors:
        raise Invalid(fields=errors)
    for name in (*EDITABLE, "outcome_summary", "demographics"):
        if name in values and values[name] is not None:
            setattr(workshop, name, values[name].strip() if isinstance(values[name], str) else values[name])
    if "lon" in values:
        lon, lat = values.get("lon"), values.get("lat")
        workshop.geom = None if lon is None else f"SRID=4326;POINT({lon} {lat})"


def _check_point(lon, lat):
    if lon is None and lat is None:
        return {}
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return {"lon": [_("Coordonnées du lieu invalides (longitude et latitude en degrés).")]}
    return {}


def _check_demographics(demographics, participants_count):
    """Errors of an aggregate demographics mapping (known categories, counts ≤ participants)."""
    if not isinstance(demographics, dict):
        return {"demographics": [_("Répartition invalide.")]}
    for group, counts in demographics.items():
        allowed = DEMOGRAPHIC_GROUPS.get(group)
        if allowed is None or not isinstance(counts, dict) or any(k not in allowed for k in counts):
            return {"demographics": [_("Catégorie inconnue dans « %(group)s ».", group=group)]}
        values = list(counts.values())
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in values):
            return {"demographics": [_("Les effectifs sont des nombres entiers positifs.")]}
        if sum(values) > participants_count:
            label = DEMOGRAPHIC_LABELS[group]
            return {
                "demographics": [
                    _("« %(label)s » compte plus de personnes que de participants.", label=label)
                ]
            }
    return {}


def _facilitators(emails):
    users = []
    for email in emails:
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None or user.role not in CREATOR_ROLES:
            raise Invalid(
                fields={"facilitator_emails": [f"Aucun animateur n'a l'adresse « {email} »."]},
            )
        users.append(user)
    return users


# --- entry on behalf of participants ---------------------------------------------------------------
def enter_contribution(
    user, workshop, theme_slug, title, body="", geometry=None, grid_ref=None, participant=None
):
    """Create a contribution on behalf of a workshop participant (source « workshop »)."""
    queries.check_can_manage(user, workshop)
    if geometry is None:
        if not grid_ref:
            message = _("Placez le point sur la carte ou tapez une case de la grille (par exemple « C4 »).")
            raise Invalid(message, fields={"geometry": [message]})
        grid = queries.consultation_grid(workshop.consultation_id)
        geometry = queries.grid_ref_point(workshop.consultation_id, grid, grid_ref)
    with db.session.begin_nested():
        person = _participant(workshop, participant)
        contribution = create_contribution(
            None,
            workshop.consultation,
            geometry,
            theme_slug,
            title,
            body or "",
            source="workshop",
            workshop=workshop,
            participant=person,
        )
    return contribution


def _participant(workshop, data):
    """The (deduplicated) participant row for a first name/contact given with consent, or None."""
    data = data or {}
    first_name = (data.get("first_name") or "").strip()
    contact = (data.get("contact") or "").strip()
    if not first_name and not contact:
        return None
    errors = {}
    if data.get("consent") is not True:
        errors["participant.consent"] = [
            _("Le participant doit accepter que l'on garde son prénom et son contact pour le recontacter.")
        ]
    if len(first_name) > 80:
        errors["participant.first_name"] = [_("Prénom trop long (80 caractères au plus).")]
    if contact and not (_EMAIL.match(contact) or _PHONE.match(contact)) or len(contact) > 254:
        errors["participant.contact"] = [_("Contact : une adresse e-mail ou un numéro de téléphone.")]
    if errors:
        raise Invalid(fields=errors)
    existing = db.session.scalar(
        select(WorkshopParticipant).where(
            WorkshopParticipant.workshop_id == workshop.id,
            WorkshopParticipant.first_name == (first_name or None),
            WorkshopParticipant.contact == (contact or None),
        )
    )
    if existing is not None:
        return existing
    person = WorkshopParticipant(
        workshop_id=workshop.id, first_name=first_name or None, contact=contact or None, consent_at=utcnow()
    )
    db.session.add(person)
    db.session.flush()
    return person


def erase_participant(user, workshop, participant_id):
    """Erase a participant's first name and contact (right to erasure); contributions stay."""
    queries.check_can_see_participants(user, workshop)
    person = db.session.get(WorkshopParticipant, participant_id)
    if person is None or person.workshop_id != workshop.id:
        raise Invalid(_("Ce participant n'existe pas dans cet atelier."))
    person.first_name = None
    person.contact = None
    db.session.flush()
    return person


# --- paper tallies ---------------------------------------------------------------------------------
def record_tally(user, workshop, contribution, agree=0, disagree=0, comments=0):
    """Set this workshop's paper counts for one contribution and refresh its workshop counters."""
    queries.check_can_manage(user, workshop)
    _check_tally(workshop, contribution, agree, disagree, comments)
    # Lock the contribution so concurrent tallies of two workshops add up, then recount from the rows.
    db.session.execute(select(Contribution.id).where(Contribution.id == contribution.id).with_for_update())
    db.session.execute(
        text(
            "INSERT INTO workshop_tallies (workshop_id, contribution_id, agree, disagree, comments, created_at)"
            " VALUES (:w, :c, :a, :d, :n, now())"
            " ON CONFLICT ON CONSTRAINT uq_workshop_tallies_pair"
            " DO UPDATE SET agree = :a, disagree = :d, comments = :n"
        ),
        {"w": workshop.id, "c": contribution.id, "a": agree, "d": disagree, "n": comments},
    )
    db.session.execute(
        text(
            "UPDATE contributions SET"
            " workshop_agree_count = (SELECT coalesce(sum(agree), 0) FROM workshop_tallies"
            "  WHERE contribution_id = :c),"
            " workshop_disagree_count = (SELECT coalesce(sum(disagree), 0) FROM workshop_tallies"
            "  WHERE contribution_id = :c)"
            " WHERE id = :c"
        ),
        {"c": contribution.id},
    )
    db.session.expire(contribution, ["workshop_agree_count", "workshop_disagree_count"])
    return db.session.scalar(
        select(WorkshopTally).where(
            WorkshopTally.workshop_id == workshop.id, WorkshopTally.contribution_id == contribution.id
        )
    )


def _check_tally(workshop, contribution, agree, disagree, comments):
    errors = {}
    if contribution.consultation_id != workshop.consultation_id:
        errors["contribution"] = [_("Cette contribution n'appartient pas à la concertation de l'atelier.")]
    elif contribution.status != "published":
        errors["contribution"] = [_("On ne compte des votes que sur une contribution publiée.")]
    for name, value in (("agree", agree), ("disagree", disagree), ("comments", comments)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
            errors[name] = [_("Un nombre entier positif.")]
    if errors:
        raise Invalid(fields=errors)
