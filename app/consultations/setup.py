"""Consultations as data: a YAML file creates one through the back-office service, and export writes one."""

from datetime import date, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import select

from app.consultations import editing, queries
from app.consultations.models import Consultation, utcnow
from app.consultations.staff import ensure_assignment, find_user
from app.errors import Invalid
from app.extensions import db

KEYS = {
    "slug", "title", "summary", "description", "easy_read_summary", "qpv_codes", "perimeter", "buffer_m", "themes",
    "geometry_kinds", "moderation_mode", "voting_mode", "status", "landmarks", "phases",
    "npnru_qpv_code", "staff",
}  # fmt: skip
PHASE_KEYS = {"name", "starts_at", "ends_at", "starts_in_days", "ends_in_days", "actions"}


def read_spec(path):
    """The mapping held by a YAML file, or Invalid with a French message."""
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise Invalid(f"Fichier introuvable : {path}") from error
    except yaml.YAMLError as error:
        raise Invalid(f"« {path.name} » n'est pas un YAML valide : {error}") from error
    if not isinstance(spec, dict):
        raise Invalid(f"« {path.name} » doit décrire une concertation (un dictionnaire YAML).")
    unknown = sorted(set(spec) - KEYS)
    if unknown:
        raise Invalid(f"Clés inconnues dans « {path.name} » : {', '.join(unknown)}.")
    return spec


def _moment(value, days, now, label):
    if days is not None:
        return now + timedelta(days=float(days))
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Invalid(f"{label} : une date avec fuseau (2027-03-01T09:00:00+01:00) ou un nombre de jours.")
    return value


def data_from_spec(spec, now=None):
    """Service data from a spec: relative phase days (starts_in_days) become dates from `now`."""
    now = now or utcnow()
    data = {k: v for k, v in spec.items() if k != "staff"}
    phases = []
    for index, phase in enumerate(spec.get("phases") or []):
        unknown = sorted(set(phase) - PHASE_KEYS)
        if unknown:
            raise Invalid(f"Phase {index + 1} : clés inconnues {', '.join(unknown)}.")
        label = f"Phase {index + 1} ({phase.get('name', '')})"
        starts = _moment(phase.get("starts_at"), phase.get("starts_in_days"), now, label)
        ends = _moment(phase.get("ends_at"), phase.get("ends_in_days"), now, label)
        phases.append(
            {"name": phase.get("name"), "starts_at": starts, "ends_at": ends, "actions": phase.get("actions")}
        )
    data["phases"] = phases
    return data


def create_from_spec(spec, actor=None, now=None):
    """Create the consultation described by `spec` through the back-office service; returns it."""
    consultation = editing.create_from_backoffice(actor, data_from_spec(spec, now), trusted=actor is None)
    for entry in spec.get("staff") or []:
        ensure_assignment(consultation, find_user(entry.get("user")), entry.get("role"), assigned_by=actor)
    return consultation


def create_from_file(path, skip_existing=False):
    """(consultation, created): create from a YAML file; with skip_existing an existing slug is kept."""
    spec = read_spec(path)
    existing = db.session.scalar(select(Consultation).where(Consultation.slug == spec.get("slug")))
    if existing is not None and skip_existing:
        return existing, False
    with db.session.begin_nested():
        consultation = create_from_spec(spec)
    return consultation, True


def export_spec(consultation):
    """A YAML-ready mapping that recreates this consultation (absolute dates, perimeter when uploaded)."""
    spec = {
        "slug": consultation.slug,
        "title": consultation.title,
        "summary": consultation.summary,
        "description": consultation.description,
    }
    if consultation.easy_read_summary:
        spec["easy_read_summary"] = consultation.easy_read_summary
    spec |= {
        "status": consultation.status,
        "buffer_m": consultation.buffer_m,
        "moderation_mode": consultation.moderation_mode,
        "voting_mode": consultation.voting_mode,
        "geometry_kinds": list(consultation.geometry_kinds),
        "themes": [t.slug for t in consultation.themes],
    }
    if consultation.qpvs:
        spec["qpv_codes"] = [q.code for q in consultation.qpvs]
    else:
        spec["perimeter"] = queries.perimeter_geojson(consultation.id)
    if consultation.npnru_qpv_code:
        spec["npnru_qpv_code"] = consultation.npnru_qpv_code
    spec["landmarks"] = [{"name": n, "lon": x, "lat": y} for n, x, y in queries.landmarks(consultation.id)]
    spec["phases"] = [
        {
            "name": p.name,
            "starts_at": p.starts_at.isoformat(),
            "ends_at": p.ends_at.isoformat(),
            "actions": p.actions,
        }
        for p in consultation.phases
    ]
    return spec


def dump_yaml(spec):
    """The spec as YAML text (UTF-8, keys in the order above)."""
    return yaml.safe_dump(spec, allow_unicode=True, sort_keys=False, width=100)
