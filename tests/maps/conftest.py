"""Map fixtures: many points inserted in one statement, and the grid rebuilt on demand."""

import pytest
from sqlalchemy import text

from app.extensions import db
from app.maps.grid import rebuild_grid

THEMES = ("cadre-de-vie-espaces-publics", "mobilite-accessibilite", "logement-habitat")


@pytest.fixture
def seed_points():
    """Insert `n` contributions uniformly in a lon/lat box, in SQL (themes and outcomes cycle)."""

    def factory(consultation, n, box, status="published", qpv_code=None, author=None, outcomes=(None,)):
        minlon, minlat, maxlon, maxlat = box
        db.session.execute(
            text(
                "INSERT INTO contributions (consultation_id, author_id, geom, anchor, qpv_code, theme_slug,"
                " title, body, status, source, agree_count, disagree_count, comment_count,"
                " workshop_agree_count, workshop_disagree_count, flag_count, outcome, created_at, updated_at)"
                " SELECT :cid, :author, p, p, :qpv, (CAST(:themes AS text[]))[1 + g % 3], 'Idée ' || g, '',"
                " :status, 'web', g % 7, g % 3, g % 2, 0, 0, 0,"
                " (CAST(:outcomes AS text[]))[1 + g % cardinality(CAST(:outcomes AS text[]))], now(), now()"
                " FROM (SELECT g, ST_SetSRID(ST_MakePoint(:minlon + random() * (:maxlon - :minlon),"
                "  :minlat + random() * (:maxlat - :minlat)), 4326) AS p"
                "  FROM generate_series(1, CAST(:n AS int)) g) s"
            ),
            {
                "cid": consultation.id,
                "author": author.id if author else None,
                "qpv": qpv_code or consultation.qpvs[0].code,
                "themes": list(THEMES),
                "status": status,
                "outcomes": list(outcomes),
                "n": n,
                "minlon": minlon,
                "minlat": minlat,
                "maxlon": maxlon,
                "maxlat": maxlat,
            },
        )
        db.session.flush()

    return factory


@pytest.fixture
def rebuild():
    def run(consultation):
        rebuild_grid(consultation.id)
        db.session.flush()

    return run


def bbox_arg(box):
    return ",".join(f"{value:.6f}" for value in box)
