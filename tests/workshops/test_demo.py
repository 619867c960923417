"""The demo workshops: one held (ideas entered, paper counts) and one coming per consultation, idempotent."""

from sqlalchemy import func, select

from app.contributions.models import Contribution
from app.extensions import db
from app.workshops.demo import seed_demo
from app.workshops.models import Workshop, WorkshopTally


def test_demo_workshops_are_idempotent(make_consultation, make_contribution):
    consultation = make_consultation(qpv_codes=["QP062019"], npnru_qpv_code="QP062019")
    make_contribution(consultation)
    assert seed_demo([consultation]) == {"ateliers de démo créés": 2}
    assert seed_demo([consultation]) == {"ateliers de démo créés": 0}
    workshops = db.session.scalars(select(Workshop).order_by(Workshop.starts_at)).all()
    assert [w.place_name for w in workshops] == ["Maison des Habitants", "Maison des Habitants"]
    held = workshops[0]
    entered = db.session.scalars(select(Contribution).where(Contribution.workshop_id == held.id)).all()
    assert len(entered) == 3 and {c.source for c in entered} == {"workshop"}
    assert db.session.scalar(select(func.count()).select_from(WorkshopTally)) == 1
    assert held.outcome_summary and held.participants_count == 17
