"""The demo consultation set used by `make run`: the CALL territory and its three NPNRU sites."""

import importlib
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app import FEATURES
from app.consultations.models import Consultation
from app.consultations.setup import create_from_file, read_spec
from app.extensions import db
from app.territory.identity import in_territory
from app.territory.services import load_territory

# The demo consultations are data: data/consultations/<slug>.yml, loaded through the back-office service.
DEMO_SLUGS = ("cite-12-14-lens", "republique-cite-4-avion", "calonne-marichelles-vent-de-bise-lievin")
NPNRU_CONSULTATIONS = tuple({"slug": slug} for slug in DEMO_SLUGS)


def demo_files():
    """The YAML files of the demo consultations."""
    folder = Path(
        current_app.config.get("CONSULTATIONS_DIR")
        or Path(current_app.root_path).parent / "data" / "consultations"
    )
    return [folder / f"{slug}.yml" for slug in DEMO_SLUGS]


def _on_served_territory(path):
    """True when every QPV of the demo file belongs to the territory this app serves."""
    from app.territory.models import Qpv
    from app.territory.queries import qpv_of_territory

    codes = set(read_spec(path).get("qpv_codes") or [])
    own = set(db.session.scalars(select(Qpv.code).where(Qpv.code.in_(codes), qpv_of_territory())))
    return codes == own


def seed_demo():
    """Load the territory and create the three NPNRU consultations if they do not exist yet."""
    counts = load_territory(current_app.config["TERRITORY_DIR"])
    created = 0
    for path in demo_files():
        if not _on_served_territory(path):
            continue  # another territory is served (TERRITORY_DIR): the demo's QPV are not its own
        _consultation, new = create_from_file(path, skip_existing=True)
        created += int(new)
    db.session.flush()
    summary = {"communes": counts["communes"], "qpv": counts["qpv"], "concertations créées": created}
    consultations = db.session.scalars(
        select(Consultation).where(Consultation.slug.in_(DEMO_SLUGS), in_territory(Consultation.territory))
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
