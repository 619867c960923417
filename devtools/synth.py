"""Synthetic residents, contributions, votes and comments shaped like real neighbourhoods.

Everything is set-based SQL (INSERT … SELECT generate_series) on one connection: Gaussian hotspots
inside the consultation's QPV (or provisional perimeter), a minority spread over perimeter + buffer,
a theme mix per hotspot, skewed votes (a few ideas draw most of them), counters equal to the rows.
The caller commits (the CLI command does)."""

import json
import time
from contextlib import contextmanager

from sqlalchemy import text

from app.contributions.models import OUTCOMES
from app.errors import Invalid
from app.extensions import db
from devtools import synth_sql as q
from devtools.synth_texts import ANSWERS, BODIES, COMMENTS, FIRST_NAMES, PLACES, TITLES

SPREAD_SHARE = 0.15  # share of contributions spread over the whole perimeter + buffer
BULK_MIN = 50_000  # from this size on an empty table, indexes and constraints are rebuilt after loading
BULK_TABLES = ("contributions", "votes", "comments")


def default_slugs():
    from app.demo import NPNRU_CONSULTATIONS

    return [spec["slug"] for spec in NPNRU_CONSULTATIONS]


def generate(contributions, votes, slugs=None, comments=None, users=None, reset=False, seed=0.42):
    """Generate synthetic data for the consultations `slugs` (default: the three NPNRU ones)."""
    started, steps = time.perf_counter(), {}
    consultations = _consultations(slugs or default_slugs())
    ids = [row.id for row in consultations]
    _session_settings(seed)
    with _timed(steps, "reset"):
        if reset:
            reset_contributions(ids)
    comments = votes // 10 if comments is None else comments
    users = users or max(200, min(100_000, votes // 20 + contributions // 10))
    bulk = contributions >= BULK_MIN and _table_is_empty()
    _drop_staging()
    with _timed(steps, "staging"):
        users = _stage_users(users)
        _stage_texts()
        db.session.execute(text(q.AREAS), {"ids": ids})
        _stage_points(consultations, contributions)
        _stage_contributions(users, votes, comments, ids)
    with _timed(steps, "indexes"), _without_indexes(bulk):
        with _timed(steps, "contributions"):
            db.session.execute(text(q.INSERT_CONTRIBUTIONS), {"answers": json.dumps(ANSWERS)})
        with _timed(steps, "votes"):
            db.session.execute(text(q.INSERT_VOTES), {"users": users})
        with _timed(steps, "comments"):
            db.session.execute(text(q.INSERT_COMMENTS), {"users": users, "texts": COMMENTS})
    summary = _summary(users)
    _drop_staging()
    with _timed(steps, "analyze"):
        db.session.execute(text("ANALYZE contributions; ANALYZE votes; ANALYZE comments"))
    steps["indexes"] = round(
        steps["indexes"] - steps["contributions"] - steps["votes"] - steps["comments"], 1
    )
    summary.update(seconds=round(time.perf_counter() - started, 1), bulk=bulk, steps=steps)
    return summary


@contextmanager
def _timed(steps, name):
    started = time.perf_counter()
    yield
    steps[name] = round(time.perf_counter() - started, 1)


def _consultations(slugs):
    rows = db.session.execute(
        text(
            "SELECT c.id, c.slug, coalesce((SELECT sum(q.population) FROM consultation_qpvs cq"
            " JOIN qpv q ON q.code = cq.qpv_code WHERE cq.consultation_id = c.id), 0) + 1000 AS weight"
            " FROM consultations c WHERE c.slug = ANY(:slugs) ORDER BY c.id"
        ),
        {"slugs": list(slugs)},
    ).all()
    missing = sorted(set(slugs) - {row.slug for row in rows})
    if missing:
        raise Invalid(
            "Concertation(s) introuvable(s) : "
            + ", ".join(missing)
            + ". Lancez d'abord « flask demo seed ».",
            fields={"consultations": missing},
        )
    return rows


def _session_settings(seed):
    db.session.execute(text("SET LOCAL work_mem = '256MB'"))
    db.session.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    db.session.execute(text("SET LOCAL synchronous_commit = off"))
    db.session.execute(text("SELECT setseed(:seed)"), {"seed": seed})


def reset_contributions(consultation_ids):
    """Remove the contributions (with votes, comments, photos, grid) of these consultations."""
    others = db.session.scalar(
        text("SELECT EXISTS (SELECT 1 FROM contributions WHERE consultation_id <> ALL(:ids))"),
        {"ids": consultation_ids},
    )
    if others:
        db.session.execute(
            text("DELETE FROM contributions WHERE consultation_id = ANY(:ids)"), {"ids": consultation_ids}
        )
    else:
        db.session.execute(text("TRUNCATE contributions RESTART IDENTITY CASCADE"))
    db.session.execute(
        text("DELETE FROM map_grid_cells WHERE consultation_id = ANY(:ids)"), {"ids": consultation_ids}
    )


def _table_is_empty():
    return not db.session.scalar(text("SELECT EXISTS (SELECT 1 FROM contributions)"))


def _drop_staging():
    db.session.execute(text("DROP TABLE IF EXISTS " + ", ".join(q.STAGING_TABLES)))


def _stage_users(wanted):
    """Make sure `wanted` synthetic residents exist; returns how many are usable."""
    existing = db.session.scalar(text("SELECT count(*) FROM users WHERE email LIKE '%@synth.invalid'"))
    if existing < wanted:
        last = db.session.scalar(
            text(
                "SELECT coalesce(max(substring(email from 'habitant-([0-9]+)@')::int), 0) FROM users"
                " WHERE email LIKE '%@synth.invalid'"
            )
        )
        params = {"names": FIRST_NAMES, "first": last + 1, "last": last + wanted - existing}
        db.session.execute(text(q.INSERT_USERS), params)
    db.session.execute(text(q.SYNTH_USERS), {"users": wanted})
    db.session.execute(text("CREATE UNIQUE INDEX ON synth_users (rn); ANALYZE synth_users"))
    return db.session.scalar(text("SELECT count(*) FROM synth_users"))


def _stage_texts():
    db.session.execute(
        text("CREATE TEMP TABLE synth_texts (theme_slug text PRIMARY KEY, titles text[], bodies text[])")
    )
    themes = db.session.scalars(text("SELECT slug FROM themes")).all()
    rows = [
        {
            "slug": slug,
            "titles": TITLES.get(slug) or TITLES["cadre-de-vie-espaces-publics"],
            "bodies": BODIES.get(slug, []) + BODIES["default"],
        }
        for slug in themes
    ]
    db.session.execute(text("INSERT INTO synth_texts VALUES (:slug, :titles, :bodies)"), rows)


def _stage_points(consultations, total):
    db.session.execute(
        text(
            "CREATE TEMP TABLE synth_hotspots (consultation_id int, idx int, cx float8, cy float8,"
            " sigma_m float8, theme1 text, theme2 text);"
            " CREATE TEMP TABLE synth_points (consultation_id int, geom geometry(Point, 4326), theme_slug text)"
        )
    )
    weights = [row.weight for row in consultations]
    shares = _split(total, weights)
    for index, (row, n) in enumerate(zip(consultations, shares, strict=True)):
        spread = round(n * SPREAD_SHARE)
        hot = n - spread
        k = max(4, min(40, 4 + n // 8000))  # more hotspots for more ideas, as in a bigger city
        params = {"cid": row.id, "k": k, "seed": 1000 + index}
        db.session.execute(text(q.HOTSPOTS), params)
        if hot:
            db.session.execute(text(q.HOTSPOT_POINTS), {**params, "n": hot})
        if spread:
            db.session.execute(text(q.SPREAD_POINTS), {**params, "n": spread, "seed": 2000 + index})


def _split(total, weights):
    """Integer shares of `total` proportional to `weights`, summing exactly to `total`."""
    shares, cumulative, done = [], 0.0, 0
    whole = sum(weights)
    for weight in weights:
        cumulative += weight
        upto = round(total * cumulative / whole)
        shares.append(upto - done)
        done = upto
    return shares


def _stage_contributions(users, votes, comments, ids):
    params = {"users": users, "outcomes": list(OUTCOMES), "places": PLACES}
    db.session.execute(text(q.CONTRIB), params)
    db.session.execute(text("CREATE INDEX ON synth_contrib USING gist (geom); ANALYZE synth_contrib"))
    db.session.execute(text(q.PLAN), {"users": users, "votes": votes, "comments": comments})
    db.session.execute(text(q.COMMUNES))
    db.session.execute(text(q.OFFICIAL_QPV))
    db.session.execute(text(q.QPV_BY_COMMUNE), {"ids": ids})
    db.session.execute(
        text(
            "CREATE UNIQUE INDEX ON synth_plan (id); ANALYZE synth_plan; ANALYZE synth_place; ANALYZE synth_qpv"
        )
    )


@contextmanager
def _without_indexes(enabled):
    """Bulk load: drop secondary indexes, unique and foreign keys of the bulk tables, rebuild after."""
    if not enabled:
        yield
        return
    rows = db.session.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = ANY(CAST(:tables AS regclass[])) AND contype IN ('f', 'u')"
        ),
        {"tables": list(BULK_TABLES)},
    ).all()
    indexes = db.session.execute(
        text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " WHERE i.indrelid = ANY(CAST(:tables AS regclass[])) AND NOT i.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        ),
        {"tables": list(BULK_TABLES)},
    ).all()
    for table, name, _ in rows:
        db.session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        db.session.execute(text(f"DROP INDEX {name}"))
    yield
    for _, definition in indexes:
        db.session.execute(text(definition))
    for table, name, definition in sorted(rows, key=lambda row: "FOREIGN" in row[2]):
        db.session.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))


def _summary(users):
    row = db.session.execute(
        text(
            "SELECT (SELECT count(*) FROM synth_contrib), (SELECT coalesce(sum(nv), 0) FROM synth_plan),"
            " (SELECT coalesce(sum(nc), 0) FROM synth_plan),"
            " (SELECT count(*) FROM synth_contrib WHERE status = 'published')"
        )
    ).one()
    return {
        "contributions": row[0],
        "votes": int(row[1]),
        "comments": int(row[2]),
        "published": row[3],
        "residents": users,
    }
