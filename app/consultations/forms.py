"""The back-office consultation form (HTML) turned into the service's data, and back."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.consultations import perimeter
from app.consultations.models import PHASE_ACTIONS
from app.errors import Invalid

PARIS = ZoneInfo("Europe/Paris")
PHASE_ROWS = 4
DEFAULT_PHASES = (_l("Idées"), _l("Votes"), _l("Réponses et bilan"))


def _local(value, field):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=PARIS)
    except ValueError as error:
        raise Invalid(
            _("Date invalide."), fields={field: [_("Date invalide (jj/mm/aaaa hh:mm).")]}
        ) from error


def _phases(form):
    phases = []
    for index in range(PHASE_ROWS):
        name = (form.get(f"phase-{index}-name") or "").strip()
        start = _local(form.get(f"phase-{index}-start"), f"phases.{index}.starts_at")
        end = _local(form.get(f"phase-{index}-end"), f"phases.{index}.ends_at")
        if not (name or start or end):
            continue
        actions = [a for a in PHASE_ACTIONS if form.get(f"phase-{index}-{a}")]
        phases.append({"name": name, "starts_at": start, "ends_at": end, "actions": actions})
    return phases


def _landmarks(text):
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        try:
            name, lat, lon = parts[0], float(parts[1].replace(",", ".")), float(parts[2].replace(",", "."))
        except (IndexError, ValueError) as error:
            message = _(
                "Lieu repère ligne %(number)s : écrivez « Nom | latitude | longitude ».", number=number
            )
            raise Invalid(message, fields={"landmarks": [message]}) from error
        rows.append({"name": name, "lon": lon, "lat": lat})
    return rows


def data_from_form(form, files):
    """Service data from the submitted form (uploaded perimeter read and checked here)."""
    data = {
        name: form.get(name, "") for name in ("title", "slug", "summary", "description", "easy_read_summary")
    }
    data["slug"] = data["slug"].strip().lower()
    for name in ("moderation_mode", "voting_mode", "status"):
        if form.get(name):
            data[name] = form[name]
    try:
        data["buffer_m"] = int(form.get("buffer_m") or 300)
    except ValueError as error:
        raise Invalid(fields={"buffer_m": [_("La marge est un nombre entier de mètres.")]}) from error
    data["qpv_codes"] = form.getlist("qpv_codes")
    data["themes"] = form.getlist("themes")
    data["geometry_kinds"] = form.getlist("geometry_kinds")
    data["landmarks"] = _landmarks(form.get("landmarks"))
    data["phases"] = _phases(form)
    upload = files.get("perimeter_file")
    if upload is not None and upload.filename:
        data["perimeter_ewkt"] = perimeter.from_upload(upload.filename, upload.read())
    return data


def form_from_consultation(consultation, landmarks):
    """The form's initial values for an existing consultation."""
    names = ("title", "slug", "summary", "description", "easy_read_summary")
    form = {name: getattr(consultation, name) or "" for name in names}
    form.update(
        moderation_mode=consultation.moderation_mode,
        voting_mode=consultation.voting_mode,
        status=consultation.status,
        buffer_m=consultation.buffer_m,
        qpv_codes=[q.code for q in consultation.qpvs],
        themes=[t.slug for t in consultation.themes],
        geometry_kinds=list(consultation.geometry_kinds),
        landmarks="\n".join(f"{name} | {lat:.6f} | {lon:.6f}" for name, lon, lat in landmarks),
    )
    for index, phase in enumerate(consultation.phases):
        form[f"phase-{index}-name"] = phase.name
        form[f"phase-{index}-start"] = phase.starts_at.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")
        form[f"phase-{index}-end"] = phase.ends_at.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")
        for action in phase.actions:
            form[f"phase-{index}-{action}"] = "1"
    return form


def blank_form():
    """Initial values of a new consultation: three usual phases, points only, post-moderation."""
    form = {"buffer_m": 300, "moderation_mode": "post", "voting_mode": "agree_disagree", "status": "draft"}
    form["geometry_kinds"] = ["point"]
    for index, name in enumerate(DEFAULT_PHASES):
        form[f"phase-{index}-name"] = str(name)
    form["phase-0-propose"] = form["phase-0-comment"] = form["phase-1-vote"] = form["phase-1-comment"] = "1"
    return form
