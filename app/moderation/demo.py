"""Default reject reasons (idempotent), for `flask demo seed` and `flask moderation seed-reasons`."""

from sqlalchemy import func, select

from app.extensions import db
from app.moderation.models import RejectReason

DEFAULT_REASONS = (
    "Propos injurieux, agressifs ou discriminatoires",
    "Données personnelles (nom, adresse, téléphone, photo d'une personne)",
    "Hors sujet : ne concerne pas le quartier ou le projet",
    "Publicité, propagande ou spam",
    "Texte incompréhensible ou vide",
    "Lieu impossible à identifier",
    "Mise en cause d'une personne nommément",
)


def seed_reasons():
    """Add the default reasons that are missing; returns how many were added."""
    existing = {label.lower() for label in db.session.scalars(select(RejectReason.label))}
    position = db.session.scalar(select(func.coalesce(func.max(RejectReason.position), 0)))
    added = 0
    for label in DEFAULT_REASONS:
        if label.lower() in existing:
            continue
        position += 1
        db.session.add(RejectReason(label=label, active=True, position=position))
        added += 1
    db.session.flush()
    return added


def seed_demo(consultations):
    """Demo content of the moderation feature: the default reject reasons."""
    return {"motifs de refus ajoutés": seed_reasons()}
