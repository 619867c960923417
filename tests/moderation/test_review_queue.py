"""« À relire »: published ideas (post-moderation) that no moderator has looked at yet."""

import re

from sqlalchemy import text

from app.extensions import db
from app.moderation import queries, services
from tests.conftest import bearer, csrf_token, login
from tests.moderation.conftest import actions_of
from tests.moderation.test_inbox import item_ids, tab_count


def _queue(make_consultation, make_contribution, n=3):
    post = make_consultation(qpv_codes=["QP062024"], moderation_mode="post", title="Concertation post")
    pre = make_consultation(qpv_codes=["QP062019"], moderation_mode="pre", title="Concertation pré")
    ideas = [make_contribution(post, title=f"À relire {i}") for i in range(n)]
    make_contribution(pre, title="Publiée en pré-modération")  # approved before publication
    make_contribution(post, status="pending", title="En attente")
    return post, ideas


def test_the_queue_holds_unreviewed_published_ideas_of_post_moderation(
    client, make_consultation, make_contribution, moderator
):
    post, ideas = _queue(make_consultation, make_contribution)
    login(client, moderator)
    html = client.get("/moderation?tab=review").get_data(as_text=True)
    assert tab_count(html, "review") == 3
    assert item_ids(html) == [i.id for i in reversed(ideas)]  # newest first, like the other tabs
    assert "À relire" in html and 'data-action="review"' in html


def test_a_decision_or_seen_takes_an_idea_out_and_is_audited(
    client, make_consultation, make_contribution, moderator, reasons
):
    post, (first, second, third) = _queue(make_consultation, make_contribution)
    login(client, moderator)
    token = csrf_token(client, "/moderation")
    # « Vu, rien à signaler » from the detail page's form…
    response = client.post(f"/moderation/contributions/{first.id}/vu", data={"csrf_token": token})
    assert response.status_code == 302
    # … and from the inbox's keyboard (JSON API); a decision takes one out too.
    assert (
        client.post(
            f"/api/moderation/contributions/{second.id}/review", headers=bearer(moderator)
        ).status_code
        == 200
    )
    services.hide(moderator, third, "Hors sujet")
    services.approve(moderator, third)  # published again, but looked at: stays out
    db.session.commit()
    html = client.get("/moderation?tab=review").get_data(as_text=True)
    assert tab_count(html, "review") == 0 and item_ids(html) == []
    entry = actions_of("contribution", first.id)[-1]
    assert (entry.action, entry.actor_id) == ("review", moderator.id)
    assert entry.before["reviewed_at"] is None and entry.after["reviewed_at"] is not None
    # Twice: a clear French refusal, nothing written.
    again = client.post(f"/api/moderation/contributions/{first.id}/review", headers=bearer(moderator))
    assert again.status_code == 409 and "déjà été relue" in again.get_json()["error"]["message"]
    assert len(actions_of("contribution", first.id)) == 1


def test_review_tab_keyset_pages_and_capped_count(
    client, make_consultation, make_contribution, moderator, monkeypatch
):
    post, ideas = _queue(make_consultation, make_contribution, n=5)
    seen, after = [], None
    while True:
        filters = queries.InboxFilters(tab="review", per_page=2, after=after)
        rows, following, _ = queries.inbox_items(filters)
        seen += [row["id"] for row in rows]
        if not following:
            break
        after = queries.decode_cursor(following)
    assert seen == [i.id for i in reversed(ideas)]
    monkeypatch.setattr("app.moderation.queries.inbox.COUNT_CAP", 2)
    assert queries.inbox_counts(queries.InboxFilters(tab="review"))["review"] == 3  # stops at cap + 1
    login(client, moderator)
    monkeypatch.setattr("app.moderation.views.inbox.COUNT_CAP", 2)
    html = client.get("/moderation?tab=review").get_data(as_text=True)
    assert re.search(r"2\+</span>", html)


def test_the_queue_reads_its_partial_index_in_keyset_order(make_consultation, make_contribution):
    _queue(make_consultation, make_contribution)
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    filters = queries.InboxFilters(tab="review")
    where, params = queries.inbox._where(filters)
    sql = (
        f"EXPLAIN SELECT c.id FROM contributions c WHERE {where} AND {queries.inbox.TAB_CONDITIONS['review']}"
        " ORDER BY c.created_at DESC, c.id DESC LIMIT 51"
    )
    plan = "\n".join(db.session.execute(text(sql), params).scalars())
    assert "ix_contributions_to_review" in plan and "Sort" not in plan.split("ix_contributions_to_review")[0]


def test_review_tab_keeps_a_fixed_number_of_statements(
    client, make_consultation, make_contribution, moderator, count_queries
):
    post, ideas = _queue(make_consultation, make_contribution, n=2)
    login(client, moderator)
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/moderation?tab=review").status_code == 200
    for i in range(20):
        make_contribution(post, title=f"Encore {i}")
    db.session.expire_all()
    with count_queries() as many:
        html = client.get("/moderation?tab=review").get_data(as_text=True)
    assert len(item_ids(html)) == 22
    few, many = ([s for s in q if "SAVEPOINT" not in s] for q in (few, many))
    assert len(few) == len(many) <= 5
