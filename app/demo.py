"""The demo consultation set used by `make run`: the CALL territory and its three NPNRU sites."""

import importlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app import FEATURES
from app.consultations.models import Consultation, utcnow
from app.consultations.services import create_consultation
from app.extensions import db
from app.territory.services import load_territory

NPNRU_CONSULTATIONS = (
    {
        "slug": "cite-12-14-lens",
        "title": "Cité 12/14 à Lens : imaginons ensemble le quartier de demain",
        "summary": "Renouvellement urbain d'intérêt national (NPNRU) : donnez votre avis sur les "
        "logements, les espaces publics, les commerces et les équipements de la Cité 12/14.",
        "qpv_codes": ["QP062024"],
        "npnru_qpv_code": "QP062024",
        "moderation_mode": "post",
        # Routes (a path to school, a bus line) and zones (a square to redesign) as well as places.
        "geometry_kinds": ("point", "line", "polygon"),
    },
    {
        "slug": "republique-cite-4-avion",
        "title": "République – Cité 4 à Avion : votre quartier, vos idées",
        "summary": "Renouvellement urbain d'intérêt régional : proposez, soutenez et commentez les "
        "idées pour le quartier de la République et la Cité 4.",
        "qpv_codes": ["QP062019"],
        "npnru_qpv_code": "QP062019",
        "moderation_mode": "pre",
    },
    {
        "slug": "calonne-marichelles-vent-de-bise-lievin",
        "title": "Calonne – Marichelles – Vent de Bise à Liévin : la concertation est ouverte",
        "summary": "Renouvellement urbain d'intérêt régional (secteur Vent de Bise) : dites ce qui "
        "doit changer, ce qui doit rester, et où.",
        "qpv_codes": ["QP062028"],
        "npnru_qpv_code": "QP062028",
        "moderation_mode": "post",
    },
)

DESCRIPTION = (
    "« On ne sépare pas l'urbain de l'humain » : le Contrat de Ville de la Communauté "
    "d'agglomération de Lens-Liévin place la participation des habitants au cœur du Nouveau "
    "Programme National de Renouvellement Urbain. Posez vos idées sur la carte, réagissez à celles "
    "des autres et suivez les réponses de l'équipe projet. Des ateliers sont aussi organisés à la "
    "maison du projet."
)


def seed_demo():
    """Load the territory and create the three NPNRU consultations if they do not exist yet."""
    counts = load_territory(current_app.config["TERRITORY_DIR"])
    created = 0
    now = utcnow()
    for spec in NPNRU_CONSULTATIONS:
        if db.session.scalar(select(Consultation.id).where(Consultation.slug == spec["slug"])):
            continue
        create_consultation(
            description=DESCRIPTION,
            opens_at=now - timedelta(days=14),
            closes_at=now + timedelta(days=120),
            buffer_m=300,
            **spec,
        )
        created += 1
    db.session.flush()
    summary = {"communes": counts["communes"], "qpv": counts["qpv"], "concertations créées": created}
    consultations = db.session.scalars(
        select(Consultation).where(Consultation.slug.in_([s["slug"] for s in NPNRU_CONSULTATIONS]))
    ).all()
    # Each feature may add demo content in `app/<feature>/demo.py: seed_demo(consultations) -> dict`.
    for feature in FEATURES:
        try:
            module = importlib.import_module(f"app.{feature}.demo")
        except ModuleNotFoundError:
            continue
        summary.update(module.seed_demo(consultations) or {})
        db.session.flush()
    return summary
