"""The demo seeder: realistic proposals inside the perimeters, votes and comments, idempotent."""

from sqlalchemy import text

from app.contributions.demo import PROPOSALS, seed_demo
from app.extensions import db


def _state():
    return db.session.execute(
        text(
            "SELECT (SELECT count(*) FROM contributions), (SELECT count(*) FROM votes),"
            " (SELECT count(*) FROM comments), (SELECT count(*) FROM users),"
            " (SELECT count(*) FROM contributions c WHERE agree_count <> (SELECT count(*) FROM votes v"
            "   WHERE v.contribution_id = c.id AND v.value = 1) OR disagree_count <> (SELECT count(*)"
            "   FROM votes v WHERE v.contribution_id = c.id AND v.value = -1))"
        )
    ).one()


def test_demo_seed_is_realistic_and_idempotent(make_consultation):
    lens = make_consultation(slug="cite-12-14-lens", qpv_codes=["QP062024"], npnru_qpv_code="QP062024")
    avion = make_consultation(
        slug="republique-cite-4-avion",
        qpv_codes=["QP062019"],
        npnru_qpv_code="QP062019",
        moderation_mode="pre",
    )
    summary = seed_demo([lens, avion])
    assert summary["idées de démo créées"] == 2 * len(PROPOSALS) >= 50
    first = _state()
    assert first[1] > 100 and first[2] > 10 and first[4] == 0  # counters equal the vote rows
    outside = db.session.execute(
        text(
            "SELECT count(*) FROM contributions k JOIN consultations c ON c.id = k.consultation_id"
            " WHERE NOT ST_DWithin(c.geom::geography, k.geom::geography, c.buffer_m)"
        )
    ).scalar()
    assert outside == 0
    statuses = dict(db.session.execute(text("SELECT status, count(*) FROM contributions GROUP BY 1")).all())
    assert statuses["published"] > statuses.get("pending", 0) > 0
    assert seed_demo([lens, avion])["idées de démo créées"] == 0
    assert _state() == first
