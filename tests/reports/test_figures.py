"""The report job's figures equal independent SQL counts on seeded data (real RQ worker, PostGIS)."""

from sqlalchemy import text

from app.extensions import db
from app.reports.models import Report
from app.reports.services import request_report
from app.territory.models import Qpv


def sql(query, **params):
    return db.session.execute(text(query), params).all()


def scalar(query, **params):
    return db.session.execute(text(query), params).scalar_one()


def build(run_jobs, **scope):
    report = request_report(None, **scope)
    db.session.flush()
    run_jobs(["reports"])
    db.session.expire_all()
    return db.session.get(Report, report.id)


def test_consultation_figures_match_sql(seed_reports, run_jobs):
    data = seed_reports()
    cid = data.consultation.id
    report = build(run_jobs, consultation=data.consultation)
    assert report.status == "finished", report.error
    f = report.figures
    published = scalar(
        "SELECT count(*) FROM contributions WHERE consultation_id = :c AND status = 'published'", c=cid
    )
    assert f["contributions"] == published == len(data.published)
    assert f["received"] == len(data.published) + len(data.hidden)
    votes = scalar(
        "SELECT count(*) FROM votes v JOIN contributions c ON c.id = v.contribution_id"
        " WHERE c.consultation_id = :c AND c.status = 'published'",
        c=cid,
    )
    assert f["votes"] == votes == data.votes
    disagree = scalar(
        "SELECT count(*) FROM votes v JOIN contributions c ON c.id = v.contribution_id"
        " WHERE c.consultation_id = :c AND c.status = 'published' AND v.value = -1",
        c=cid,
    )
    assert f["votes_detail"] == {"agree": votes - disagree, "disagree": disagree, "support": 0}
    accounts = scalar(
        "SELECT count(*) FROM (SELECT author_id FROM contributions WHERE consultation_id = :c AND author_id IS NOT NULL"
        " UNION SELECT v.user_id FROM votes v JOIN contributions c ON c.id = v.contribution_id WHERE c.consultation_id = :c"
        " UNION SELECT m.author_id FROM comments m JOIN contributions c ON c.id = m.contribution_id"
        "  WHERE c.consultation_id = :c AND m.author_id IS NOT NULL) u",
        c=cid,
    )
    assert accounts == len(data.users)
    assert f["participants_online"] == accounts
    assert f["participants_workshops"] == 17
    assert f["participants"] == accounts + 17
    by_theme = dict(
        sql(
            "SELECT theme_slug, count(*) FROM contributions WHERE consultation_id = :c AND status = 'published'"
            " GROUP BY theme_slug",
            c=cid,
        )
    )
    assert f["by_theme"] == by_theme
    assert f["by_source"] == {"web": 18, "workshop": 2, "kiosk": 1}
    assert f["by_status"] == {"published": 21, "pending": 1, "rejected": 1, "hidden": 1}
    assert f["by_outcome"] == {"retenue": 1, "a_l_etude": 1, "integree": 1, "non_retenue": 1}
    assert f["comments"] == data.comments
    assert f["paper_votes"] == {"agree": 8, "disagree": 4}
    assert f["paper_comments"] == 4
    assert sum(f["by_week"].values()) == published
    assert sum(f["votes_by_week"].values()) == votes
    assert f["answers"]["count"] == 4


def test_hotspots_rankings_words_and_unanswered(seed_reports, run_jobs):
    data = seed_reports()
    f = build(run_jobs, consultation=data.consultation).figures
    zones = f["hotspots"]["zones"]
    assert [zone["count"] for zone in zones] == [10, 6]
    assert zones[0]["dominant_theme"] == "cadre-de-vie-espaces-publics"
    assert zones[1]["dominant_theme"] == "logement-habitat"
    assert zones[0]["commune"] == "Lens" and zones[0]["geometry"]["type"] == "Polygon"
    assert f["hotspots"]["method"]["sample_step"] == 1
    # Most debated: the highest (a + d) * min / max, paper counts included.
    rows = sql(
        "SELECT id, agree_count + workshop_agree_count, disagree_count + workshop_disagree_count"
        " FROM contributions WHERE consultation_id = :c AND status = 'published'",
        c=data.consultation.id,
    )
    index = {cid: (a + d) * min(a, d) / max(a, d) for cid, a, d in rows if min(a, d) > 0}
    best = max(index.values())
    assert f["most_debated"][0]["controversy"] == round(best, 1)
    assert f["most_debated"][0]["id"] in [cid for cid, value in index.items() if value == best]
    support = {cid: a for cid, a, _ in rows}
    assert f["most_supported"][0]["support"] == max(support.values())
    # Frequent words: stop words removed, content words kept.
    words = {w["word"] for w in f["words"]["cadre-de-vie-espaces-publics"]}
    assert "arbres" in words and not words & {"les", "pour", "des", "il", "faut"}
    unanswered = scalar(
        "SELECT count(*) FROM contributions WHERE consultation_id = :c AND status = 'published'"
        " AND official_answer IS NULL AND outcome IS NULL AND published_at < now() - interval '30 days'",
        c=data.consultation.id,
    )
    assert f["unanswered"]["count"] == unanswered > 0
    assert f["unanswered"]["days"] == 30


def test_qpv_rates_and_qpv_report(seed_reports, run_jobs):
    data = seed_reports()
    f = build(run_jobs, consultation=data.consultation).figures
    rows = {row["code"]: row for row in f["qpv"]}
    assert set(rows) == {"QP062024", "QP062026"}
    assert rows["QP062026"]["contributions"] == 6 and rows["QP062026"]["population"] == 1640
    assert rows["QP062026"]["contributions_per_1000"] == round(6 * 1000 / 1640, 1)
    assert rows["QP062024"]["participants_workshops"] == 17  # the NPNRU QPV hosts the workshop
    assert rows["QP062026"]["participants"] == rows["QP062026"]["participants_online"]
    # A QPV report covers every consultation: the other consultation's contributions count too.
    report = build(run_jobs, qpv=db.session.get(Qpv, "QP062024"))
    assert report.status == "finished", report.error
    expected = scalar(
        "SELECT count(*) FROM contributions WHERE qpv_code = 'QP062024' AND status = 'published'"
    )
    assert report.figures["contributions"] == expected == 15 + 2
    assert report.figures["scope"]["kind"] == "qpv"


def test_territory_dashboard_has_21_qpv(seed_reports, run_jobs):
    seed_reports()
    report = build(run_jobs)
    assert report.status == "finished", report.error
    f = report.figures
    assert len(f["qpv"]) == 21
    counts = dict(
        sql("SELECT qpv_code, count(*) FROM contributions WHERE status = 'published' GROUP BY qpv_code")
    )
    for row in f["qpv"]:
        assert row["contributions"] == counts.get(row["code"], 0)
        assert row["population"] > 0
    assert {row["npnru"] for row in f["qpv"]} == {None, "national", "regional"}
    assert f["contributions"] == scalar("SELECT count(*) FROM contributions WHERE status = 'published'")
    assert report.consultation_id is None and report.qpv_code is None
