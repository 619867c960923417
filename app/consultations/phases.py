"""Phases of a consultation and the one rule that says whether an action is open now, and why not."""

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect

from app.consultations.models import PHASE_ACTIONS, Phase, utcnow
from app.errors import Forbidden, Invalid
from app.extensions import db
from app.templating import paris_date

# Whole sentences per action (each language agrees its words in its own way).
NOT_OPEN_YET = {
    "propose": _l(
        "Les propositions ne sont pas ouvertes %(where)s : elles ouvrent le %(when)s (phase « %(phase)s »)."
    ),
    "vote": _l("Les votes ne sont pas ouverts %(where)s : ils ouvrent le %(when)s (phase « %(phase)s »)."),
    "comment": _l(
        "Les commentaires ne sont pas ouverts %(where)s : ils ouvrent le %(when)s (phase « %(phase)s »)."
    ),
}
CLOSED_SINCE = {
    "propose": _l("Les propositions sont closes depuis le %(when)s, à la fin de la phase « %(phase)s »."),
    "vote": _l("Les votes sont clos depuis le %(when)s, à la fin de la phase « %(phase)s »."),
    "comment": _l("Les commentaires sont clos depuis le %(when)s, à la fin de la phase « %(phase)s »."),
}
NOT_PLANNED = {
    "propose": _l("Les propositions ne sont pas prévues dans cette concertation."),
    "vote": _l("Les votes ne sont pas prévus dans cette concertation."),
    "comment": _l("Les commentaires ne sont pas prévus dans cette concertation."),
}
MAX_PHASES = 8


def replace_phases(consultation, phases):
    """Replace the phases (validated: names, dates in order, no overlap) and the consultation's dates."""
    rows = _checked(phases)
    consultation.phases = []
    db.session.flush()  # old rows go before the new ones take their positions
    consultation.phases = [
        Phase(
            position=i,
            name=name,
            starts_at=start,
            ends_at=end,
            **{f"allows_{a}": a in actions for a in PHASE_ACTIONS},
        )
        for i, (name, start, end, actions) in enumerate(rows)
    ]
    consultation.opens_at, consultation.closes_at = rows[0][1], rows[-1][2]
    db.session.flush()
    return consultation.phases


def _checked(phases):
    if not phases or len(phases) > MAX_PHASES:
        raise Invalid(
            _("Indiquez de 1 à %(max_phases)s phases.", max_phases=MAX_PHASES),
            fields={"phases": [_("Nombre de phases invalide.")]},
        )
    rows, errors = [], {}
    for index, phase in enumerate(phases):
        name = (phase.get("name") or "").strip()
        start, end = phase.get("starts_at"), phase.get("ends_at")
        actions = list(phase.get("actions") or [])
        label = f"Phase {index + 1}"
        if not name or len(name) > 80:
            errors[f"phases.{index}.name"] = [_("%(label)s : un nom de 1 à 80 caractères.", label=label)]
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            errors[f"phases.{index}.starts_at"] = [_("%(label)s : indiquez le début et la fin.", label=label)]
        elif start.tzinfo is None or end.tzinfo is None:
            errors[f"phases.{index}.starts_at"] = [_("%(label)s : dates sans fuseau horaire.", label=label)]
        elif end <= start:
            errors[f"phases.{index}.ends_at"] = [
                _("%(label)s (« %(name)s ») : la fin doit suivre le début.", label=label, name=name)
            ]
        if any(a not in PHASE_ACTIONS for a in actions):
            errors[f"phases.{index}.actions"] = [f"{label} : actions possibles propose, vote, comment."]
        rows.append((name, start, end, actions))
    if not errors:
        for index in range(1, len(rows)):
            previous, current = rows[index - 1], rows[index]
            if current[1] < previous[2]:
                message = _(
                    "Les phases « %(previous)s » et « %(current)s » se chevauchent : « %(current)s » doit commencer "
                    "après le %(date)s.",
                    previous=previous[0],
                    current=current[0],
                    date=paris_date(previous[2], True),
                )
                errors[f"phases.{index}.starts_at"] = [message]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], fields=errors)
    return rows


def current_phase(consultation, now=None):
    """The phase running now, or None (before, between or after the phases)."""
    now = now or utcnow()
    return next((p for p in consultation.phases if p.starts_at <= now < p.ends_at), None)


def open_now(consultation, action):
    """SQL condition on `consultation` (the Consultation class or an alias): `action` is open now; the
    expression of `refusal(...) is None` (phases never overlap), for a write path checking it in the
    statement that locks its row (the refusal's sentence is then built only when it is closed)."""
    from sqlalchemy import and_, exists, func, or_

    phases = exists().where(Phase.consultation_id == consultation.id)
    running = phases.where(
        Phase.starts_at <= func.now(),
        Phase.ends_at > func.now(),
        getattr(Phase, f"allows_{action}").is_(True),
    )
    return and_(
        consultation.status != "archived",
        consultation.is_published.is_(True),
        or_(and_(~phases, consultation.opens_at <= func.now(), consultation.closes_at > func.now()), running),
    )


# Actions whose rule is also a (deferred) column of the consultation's row, Consultation.proposing_open
# (models.py): a write path that reads it with the row needs the phases only when it is closed.
LOADED_OPEN = {"propose": "proposing_open"}


def refusal(consultation, action, now=None):
    """None when `action` (propose, vote, comment) is open now; else a French sentence saying why."""
    flag = LOADED_OPEN.get(action)
    if now is None and flag and flag not in inspect(consultation).unloaded and getattr(consultation, flag):
        return None  # its row, read moments ago, said so
    now = now or utcnow()
    if consultation.status == "archived":
        return _("Cette concertation est archivée : on ne peut plus y participer.")
    if not consultation.is_published:
        return _("Cette concertation n'est pas ouverte : elle n'est pas publiée.")
    if not consultation.phases:
        if consultation.opens_at <= now < consultation.closes_at:
            return None
        if now < consultation.opens_at:
            return _(
                "Cette concertation n'est pas ouverte : elle ouvre le %(opens_at)s.",
                opens_at=paris_date(consultation.opens_at, True),
            )
        return _(
            "Cette concertation n'est pas ouverte : elle est terminée depuis le %(closes_at)s.",
            closes_at=paris_date(consultation.closes_at, True),
        )
    phase = current_phase(consultation, now)
    if phase is not None and phase.allows(action):
        return None
    later = next((p for p in consultation.phases if p.starts_at > now and p.allows(action)), None)
    where = _("pendant la phase « %(name)s »", name=phase.name) if phase else _("en ce moment")
    if later is not None:
        when = paris_date(later.starts_at, True)
        return NOT_OPEN_YET[action] % {"where": where, "when": when, "phase": later.name}
    earlier = [p for p in consultation.phases if p.ends_at <= now and p.allows(action)]
    if earlier:
        last = earlier[-1]
        return CLOSED_SINCE[action] % {"when": paris_date(last.ends_at, True), "phase": last.name}
    if now >= consultation.closes_at:
        return _(
            "Cette concertation n'est pas ouverte : elle est terminée depuis le %(closes_at)s.",
            closes_at=paris_date(consultation.closes_at, True),
        )
    return str(NOT_PLANNED[action])


def check_action(consultation, action, now=None):
    """Forbidden (code consultation_closed) with the French reason unless `action` is open now."""
    message = refusal(consultation, action, now)
    if message is not None:
        raise Forbidden(message, code="consultation_closed")


def allows(consultation, action, now=None):
    """True when `action` is open now in this consultation."""
    return refusal(consultation, action, now) is None


def advance_phase(actor, consultation, now=None):
    """Move to the next phase now: the current one ends and the next one starts (project leads)."""
    from app.consultations.editing import check_can_edit, snapshot
    from app.moderation.services.audit import record

    check_can_edit(actor, consultation)
    now = now or utcnow()
    phases = list(consultation.phases)
    current = current_phase(consultation, now)
    upcoming = [p for p in phases if p.starts_at > now]
    if not upcoming:
        raise Invalid(_("Il n'y a pas de phase suivante à ouvrir."))
    target = upcoming[0]
    before = snapshot(consultation)["phases"]
    if current is not None:
        current.ends_at = now
    if target.ends_at <= now:
        raise Invalid(_("La phase suivante se termine déjà : modifiez ses dates."))
    target.starts_at = now
    consultation.opens_at = min(consultation.opens_at, now)
    db.session.flush()
    after = snapshot(consultation)["phases"]
    record(
        actor, "phase_advance", "consultation", consultation.id, consultation.id,
        reason=f"Phase « {target.name} »", before={"phases": before}, after={"phases": after},
    )  # fmt: skip
    return target
