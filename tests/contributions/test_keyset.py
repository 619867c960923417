"""Ideas list by keyset: cursors walk every sort exactly once, counts capped or estimated, search through
the full-text index, plans read an index in the sort's order, votes in a fixed number of statements."""

import pytest
from sqlalchemy import text

from app.extensions import db
from app.keyset import COUNT_CAP
from tests.conftest import bearer, login


def _sql(statements):
    return [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))]


@pytest.fixture
def ideas(consultation, make_contribution, make_user):
    made = [make_contribution(consultation, title=f"Idée {i:02d} pour le quartier") for i in range(25)]
    db.session.execute(
        text(
            "UPDATE contributions SET agree_count = (id * 7) % 5, disagree_count = (id * 3) % 4,"
            " comment_count = id % 3, created_at = now() - (id % 4) * interval '1 hour' WHERE id = ANY(:ids)"
        ),
        {"ids": [c.id for c in made]},
    )
    return made


@pytest.mark.parametrize("sort", ["recent", "soutenues", "debattues"])
def test_cursors_walk_each_sort_once_in_order(client, consultation, ideas, sort, count_queries):
    url = f"/api/consultations/{consultation.slug}/contributions?per_page=7&sort={sort}"
    everything = client.get(url.replace("per_page=7", "per_page=100")).json["items"]
    seen, cursor, pages = [], None, 0
    while True:
        with count_queries() as statements:
            page = client.get(url + (f"&cursor={cursor}" if cursor else "")).json
        assert len(_sql(statements)) <= 5, statements
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next"]
        if not cursor:
            break
        assert page["count"] == 25 and page["count_estimated"] is False
    assert pages == 4 and seen == [item["id"] for item in everything] and len(set(seen)) == 25
    last = client.get(url + f"&cursor={client.get(url).json['next']}").json
    back = client.get(url + f"&before={last['previous']}").json
    assert [i["id"] for i in back["items"]] == seen[:7] and back["previous"] is None


def test_damaged_cursor_is_a_clear_422(client, consultation, ideas):
    url = f"/api/consultations/{consultation.slug}/contributions"
    response = client.get(url + "?cursor=eyJ4Ijp0cnVlfQ")
    assert response.status_code == 422 and "première page" in response.json["error"]["message"]
    other_sort = client.get(url + "?sort=recent").json["next"]
    assert client.get(url + f"?sort=soutenues&cursor={other_sort}").status_code == 422
    assert client.get(url + "?page=51").status_code == 422


def test_search_is_full_text_without_accents_and_by_word_prefix(client, consultation, make_contribution):
    make_contribution(consultation, title="Éclairage du passage Bigotte", body="Il fait très sombre.")
    make_contribution(consultation, title="Un banc", body="Près de l'école, à l'ombre des arbres.")
    make_contribution(consultation, title="Autre chose", body="Rien à voir.")
    url = f"/api/consultations/{consultation.slug}/contributions?q="
    assert [i["title"] for i in client.get(url + "eclairage").json["items"]] == [
        "Éclairage du passage Bigotte"
    ]
    assert [i["title"] for i in client.get(url + "ECOLE").json["items"]] == ["Un banc"]
    assert [i["title"] for i in client.get(url + "arbr").json["items"]] == ["Un banc"]
    assert client.get(url + "sombre passage").json["count"] == 1
    assert client.get(url + "'%_&|!").json["count"] == 3  # no word: no filter, no SQL error
    assert client.get(url + "le de la").json["count"] == 3  # stop words only: no filter


def test_large_counts_are_estimated_and_said_so(client, consultation, make_contribution):
    make_contribution(consultation)
    db.session.execute(
        text(
            "INSERT INTO contributions (consultation_id, geom, anchor, theme_slug, title, body, status, source,"
            " agree_count, disagree_count, comment_count, workshop_agree_count, workshop_disagree_count,"
            " flag_count, created_at, updated_at, published_at)"
            " SELECT consultation_id, geom, anchor, theme_slug, title || g, body, status, source, 0, 0, 0, 0, 0,"
            " 0, created_at, updated_at, published_at FROM contributions, generate_series(1, :n) g"
            " WHERE consultation_id = :cid"
        ),
        {"n": COUNT_CAP + 10, "cid": consultation.id},
    )
    db.session.execute(text("ANALYZE contributions"))
    page = client.get(f"/api/consultations/{consultation.slug}/contributions").json
    assert page["count_estimated"] is True and page["count"] > COUNT_CAP and page["next"]
    html = client.get(f"/consultations/{consultation.slug}/idees").get_data(as_text=True)
    assert "Environ" in html


def _plan(sql, params):
    return "\n".join(row[0] for row in db.session.execute(text("EXPLAIN " + sql), params))


@pytest.mark.parametrize(
    ("index", "key"),
    [
        ("ix_contributions_list_recent", "created_at"),
        ("ix_contributions_list_score", "agree_count - disagree_count"),
        ("ix_contributions_list_debate", "2 * least(agree_count, disagree_count) + comment_count"),
    ],
)
def test_each_sort_reads_its_index_in_order(consultation, ideas, index, key):
    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # tiny tables: ask which index fits
    sql = (
        f"SELECT id FROM contributions WHERE consultation_id = :cid AND status = 'published'"
        f" AND ({key}, id) < (:k, :id) ORDER BY {key} DESC, id DESC LIMIT 21"
    )
    k = "now()" if key == "created_at" else 3
    plan = _plan(
        sql.replace(":k", k if isinstance(k, str) else str(k)), {"cid": consultation.id, "id": 10**6}
    )
    assert index in plan and "Sort" not in plan.split(index)[0], plan


def test_search_uses_the_full_text_index(consultation, ideas):
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = _plan(
        "SELECT id FROM contributions WHERE search @@ to_tsquery('french', 'quartier:*')",
        {},
    )
    assert "ix_contributions_search" in plan, plan


def test_a_vote_is_a_fixed_few_statements(client, consultation, make_contribution, resident, count_queries):
    idea = make_contribution(consultation)
    headers = bearer(resident)
    client.post(
        f"/api/contributions/{make_contribution(consultation).id}/vote", json={"value": 1}, headers=headers
    )
    url = f"/api/contributions/{idea.id}/vote"
    db.session.expire_all()
    with count_queries() as statements:
        response = client.post(url, json={"value": -1}, headers=headers)
    assert response.status_code == 200 and response.json["votes"] == {"agree": 0, "disagree": 1}
    writes = _sql(statements)
    # token + account (+ its throttled stamp), the idea locked with its voting mode and whether votes are
    # open now, then the previous vote + vote + counters + the voter's follow: three statements.
    assert len(writes) == 3, [w[:60] for w in writes]
    assert "UPDATE api_tokens" in writes[0] and "FOR NO KEY UPDATE OF contributions" in writes[1]
    follow = db.session.execute(
        text("SELECT origin, active FROM follows WHERE user_id = :u AND target_key = :k"),
        {"u": resident.id, "k": str(idea.id)},
    ).one()
    assert tuple(follow) == ("vote", True)
    login(client, resident)
    row = db.session.execute(
        text("SELECT agree_count, disagree_count FROM contributions WHERE id = :id"), {"id": idea.id}
    ).one()
    assert tuple(row) == (0, 1)


def test_an_idea_page_is_a_fixed_few_statements_without_the_places(
    client, consultation, make_contribution, make_comment, resident, count_queries
):
    """The idea with everything its JSON carries, its consultation (slug, voting mode, phases) and its
    comments: the consultation's QPV and communes are not loaded for it."""
    idea = make_contribution(consultation)
    make_comment(idea, resident)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as statements:
        response = client.get(f"/idees/{idea.id}")
    assert response.status_code == 200
    reads = _sql(statements)
    # the idea and its timeline (contribution, moderation actions), the consultation and its phases, the
    # comments: six reads, none of the consultation's QPV or communes (two more, with their perimeters' rows)
    assert len(reads) == 6, [r[:80] for r in reads]
    assert not [r for r in reads if "consultation_qpvs" in r or "qpv_communes" in r], reads


def test_a_new_idea_is_a_fixed_few_statements(client, make_consultation, resident, count_queries):
    """Token, the consultation with its phases and themes (one statement), the idea placed, inserted with
    its author's follow and its follow-up job's outbox row, returned with what its JSON shows (one
    statement): three statements, with three phases and two themes (joined, not one statement per
    collection), the idea not read back; a phase that forbids proposing still says so."""
    from tests.consultations.conftest import three_phases
    from tests.contributions.conftest import inside_lonlat, point

    themes = ["mobilite-accessibilite", "cadre-de-vie-espaces-publics"]
    consultation = make_consultation(
        qpv_codes=["QP062024"], phases=three_phases(current=0), theme_slugs=themes
    )
    headers = bearer(resident)
    body = {
        "consultation": consultation.slug,
        "geometry": point(*inside_lonlat(consultation)),
        "theme": themes[1],
        "title": "Un passage piéton devant la salle Bigotte",
    }
    db.session.expire_all()
    with count_queries() as statements:
        response = client.post("/api/contributions", json=body, headers=headers)
    assert response.status_code == 201, response.json
    writes = _sql(statements)
    assert len(writes) == 3, [w[:70] for w in writes]
    assert "consultation_phases" in writes[1] and "consultation_themes" in writes[1]
    idea = writes[2]
    assert "cc_place" in idea and "INSERT INTO contributions" in idea and "INSERT INTO follows" in idea
    assert "INSERT INTO job_outbox" in idea
    wrong_theme = client.post("/api/contributions", json=dict(body, theme="sante"), headers=headers)
    assert wrong_theme.status_code == 422 and "theme" in wrong_theme.json["error"]["fields"]
    closed = make_consultation(qpv_codes=["QP062024"], phases=three_phases(current=1), theme_slugs=themes)
    refused = client.post("/api/contributions", json=dict(body, consultation=closed.slug), headers=headers)
    assert refused.status_code == 403 and refused.json["error"]["message"]
