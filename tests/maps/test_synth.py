from sqlalchemy import text

from app.extensions import db
from devtools import synth

COUNTERS_MISMATCH = (
    "SELECT count(*) FROM contributions k WHERE k.consultation_id = ANY(:ids) AND"
    " (k.agree_count, k.disagree_count, k.comment_count) IS DISTINCT FROM ("
    "  (SELECT count(*) FROM votes v WHERE v.contribution_id = k.id AND v.value = 1),"
    "  (SELECT count(*) FROM votes v WHERE v.contribution_id = k.id AND v.value = -1),"
    "  (SELECT count(*) FROM comments c WHERE c.contribution_id = k.id))"
)


def _scalar(sql, **params):
    return db.session.scalar(text(sql), params)


def _check_generated(ids, contributions, votes):
    assert (
        _scalar("SELECT count(*) FROM contributions WHERE consultation_id = ANY(:ids)", ids=ids)
        == contributions
    )
    vote_rows = _scalar(
        "SELECT count(*) FROM votes v JOIN contributions k ON k.id = v.contribution_id"
        " WHERE k.consultation_id = ANY(:ids)",
        ids=ids,
    )
    assert 0.9 * votes <= vote_rows <= votes
    assert _scalar(COUNTERS_MISMATCH, ids=ids) == 0
    outside = _scalar(
        "SELECT count(*) FROM contributions k JOIN consultations c ON c.id = k.consultation_id"
        " WHERE c.id = ANY(:ids) AND NOT ST_Intersects(ST_Buffer(c.geom::geography, c.buffer_m + 1)::geometry,"
        " k.geom)",
        ids=ids,
    )
    assert outside == 0
    assert (
        _scalar(
            "SELECT count(*) FROM contributions WHERE qpv_code IS NULL AND consultation_id = ANY(:ids)",
            ids=ids,
        )
        == 0
    )


def test_synth_is_shaped_like_a_neighbourhood(make_consultation):
    first = make_consultation(qpv_codes=["QP062024"])
    second = make_consultation(qpv_codes=["QP062019"], voting_mode="support")
    ids = [first.id, second.id]
    summary = synth.generate(2000, 12000, [first.slug, second.slug], comments=800)
    assert summary["contributions"] == 2000
    _check_generated(ids, 2000, 12000)
    statuses = dict(db.session.execute(text("SELECT status, count(*) FROM contributions GROUP BY 1")).all())
    assert statuses["published"] > 1500 and {"pending", "rejected", "hidden"} <= set(statuses)
    sources = dict(db.session.execute(text("SELECT source, count(*) FROM contributions GROUP BY 1")).all())
    assert set(sources) == {"web", "workshop", "kiosk"} and sources["web"] > sources["workshop"]
    assert (
        _scalar("SELECT count(*) FROM contributions WHERE outcome IS NOT NULL AND official_answer <> ''") > 50
    )
    assert (
        _scalar(
            "SELECT count(*) FROM votes v JOIN contributions k ON k.id = v.contribution_id"
            " WHERE k.consultation_id = :c AND v.value = -1",
            c=second.id,
        )
        == 0
    )  # support only
    # Skewed votes: the top 10 % of contributions draw a large share of the votes.
    top_share = _scalar(
        "SELECT sum(n) FILTER (WHERE rank <= 200)::float / sum(n) FROM (SELECT agree_count + disagree_count AS n,"
        " row_number() OVER (ORDER BY agree_count + disagree_count DESC) AS rank FROM contributions) s"
    )
    assert top_share > 0.35
    # Hotspots: a tenth of the perimeter's area holds far more than a tenth of the ideas.
    densest = _scalar(
        "SELECT max(n)::float / sum(n) FROM (SELECT count(*) AS n FROM contributions WHERE consultation_id = :c"
        " GROUP BY round(ST_X(anchor)::numeric, 2), round(ST_Y(anchor)::numeric, 2)) s",
        c=first.id,
    )
    assert densest > 0.05
    themes = _scalar(
        "SELECT count(DISTINCT theme_slug) FROM contributions WHERE consultation_id = :c", c=first.id
    )
    assert themes >= 8
    titles = _scalar("SELECT count(DISTINCT title) FROM contributions")
    assert titles > 300


def test_synth_command_adds_data_and_refreshes_the_grid(app, make_consultation):
    consultation = make_consultation()
    runner = app.test_cli_runner()
    args = [
        "dev",
        "synth",
        "--contributions",
        "2000",
        "--votes",
        "8000",
        "--consultations",
        consultation.slug,
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "2000 contributions" in result.output
    _check_generated([consultation.id], 2000, 8000)
    published = _scalar(
        "SELECT count(*) FROM contributions WHERE consultation_id = :c AND status = 'published'",
        c=consultation.id,
    )
    for level in (5, 11, 17):
        total = _scalar(
            "SELECT sum(count) FROM map_grid_cells WHERE consultation_id = :c AND level = :l AND theme_slug = '*'",
            c=consultation.id,
            l=level,
        )
        assert total == published
    again = runner.invoke(args=[*args, "--reset"])
    assert again.exit_code == 0, again.output
    _check_generated([consultation.id], 2000, 8000)


def test_synth_refuses_unknown_consultations(app):
    result = app.test_cli_runner().invoke(args=["dev", "synth", "--consultations", "nulle-part"])
    assert result.exit_code != 0
    assert "nulle-part" in result.output and "flask demo seed" in result.output


def test_bulk_load_rebuilds_every_index_and_constraint(make_consultation, monkeypatch):
    def schema():
        indexes = db.session.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('contributions', 'votes', 'comments')"
            )
        ).all()
        constraints = db.session.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid IN ('contributions'::regclass, 'votes'::regclass, 'comments'::regclass)"
            )
        ).all()
        return sorted(indexes), sorted(constraints)

    before = schema()
    consultation = make_consultation()
    monkeypatch.setattr(synth, "BULK_MIN", 1000)
    summary = synth.generate(1500, 6000, [consultation.slug])
    assert summary["bulk"] is True
    assert schema() == before
    _check_generated([consultation.id], 1500, 6000)


def test_generator_lives_in_the_tooling_not_in_the_app():
    from pathlib import Path

    import app as application
    import devtools.synth

    package = Path(application.__file__).parent
    assert not list(package.rglob("synth*.py"))
    assert Path(devtools.synth.__file__).parent.name == "devtools"
