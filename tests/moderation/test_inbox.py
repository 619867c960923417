"""The inbox: tabs and counts, filters, order, pagination, a fixed number of SQL statements."""

import re
from datetime import timedelta

from sqlalchemy import text

from app.consultations.models import utcnow
from app.contributions.models import Photo
from app.extensions import db
from tests.conftest import login
from tests.moderation.conftest import centre, offset


def item_ids(html):
    return [int(i) for i in re.findall(r'<li class="mod-item" id="item-(\d+)"', html)]


def tab_count(html, tab):
    return int(re.search(rf'data-count="{tab}">([\d\u202f]+)<', html).group(1).replace("\u202f", ""))


def populate(consultation, make_contribution, make_user, make_vote, make_comment, n):
    """`n` pending contributions with authors, votes, photos, flags and near-duplicates."""
    lon, lat = centre(consultation)
    author, voter = make_user(), make_user()  # password hashing is slow: few users
    for i in range(n):
        x, y = offset((lon, lat), east_m=15 * i)
        item = make_contribution(
            consultation,
            author=author,
            lon=x,
            lat=y,
            status="pending",
            title=f"Réparer le banc numéro {i}",
            body=f"Le banc {i} est cassé depuis l'hiver.",
        )
        db.session.add(
            Photo(
                contribution_id=item.id,
                position=0,
                path=f"p/{i}.jpg",
                thumb_path=f"p/{i}-t.jpg",
                width=8,
                height=6,
                size_bytes=1,
            )
        )
        make_vote(item, voter, 1)
        make_comment(item, voter, "Oui")
        db.session.execute(
            text(
                "INSERT INTO flags (contribution_id, user_id, reason, created_at) VALUES (:c, :u, 'spam', now())"
            ),
            {"c": item.id, "u": author.id},
        )
    db.session.flush()


def test_inbox_statements_do_not_grow_with_the_number_of_items(
    client,
    consultation,
    make_contribution,
    make_user,
    make_vote,
    make_comment,
    moderator,
    count_queries,
    reasons,
):
    login(client, moderator)
    populate(consultation, make_contribution, make_user, make_vote, make_comment, 2)
    db.session.expire_all()
    with count_queries() as few:
        small = client.get("/moderation?tab=pending")
    populate(consultation, make_contribution, make_user, make_vote, make_comment, 40)
    db.session.expire_all()
    with count_queries() as many:
        large = client.get("/moderation?tab=pending")
    assert small.status_code == large.status_code == 200
    assert len(item_ids(small.get_data(as_text=True))) == 2
    assert len(item_ids(large.get_data(as_text=True))) == 25  # a full triage page (TRIAGE_PAGE_SIZE)
    assert len(few) == len(many) <= 5, many
    # The per-consultation inbox and other tabs are fixed too.
    url = f"/moderation/concertations/{consultation.slug}?tab=published"
    db.session.expire_all()
    with count_queries() as per_consultation:
        assert client.get(url).status_code == 200
    assert len(per_consultation) == len(many)


def test_tabs_counts_filters_and_order(
    client, consultation, make_consultation, make_contribution, make_user, moderator
):
    lon, lat = centre(consultation)
    alice = make_user(pseudonym="alice-du-12")
    old = make_contribution(
        consultation,
        author=alice,
        status="pending",
        title="Ancienne",
        created_at=utcnow() - timedelta(days=40),
    )
    new = make_contribution(consultation, status="pending", title="Récente", theme="sante")
    make_contribution(consultation, status="published", title="Publiée")
    make_contribution(consultation, status="rejected", title="Refusée")
    make_contribution(consultation, status="hidden", title="Masquée", flag_count=3)
    other = make_consultation(qpv_codes=["QP062019"], title="Avion")
    elsewhere = make_contribution(other, status="pending", title="À Avion")
    login(client, moderator)

    html = client.get("/moderation").get_data(as_text=True)
    assert item_ids(html) == [elsewhere.id, new.id, old.id]  # pending, newest first, all consultations
    assert [
        tab_count(html, t) for t in ("pending", "flagged", "published", "rejected", "hidden", "merged")
    ] == [3, 1, 1, 1, 1, 0]
    html = client.get("/moderation?sort=oldest").get_data(as_text=True)
    assert item_ids(html) == [old.id, new.id, elsewhere.id]
    html = client.get(f"/moderation/concertations/{consultation.slug}").get_data(as_text=True)
    assert item_ids(html) == [new.id, old.id] and tab_count(html, "pending") == 2
    assert item_ids(client.get("/moderation?theme=sante").get_data(as_text=True)) == [new.id]
    assert item_ids(client.get("/moderation?author=ALICE").get_data(as_text=True)) == [old.id]
    assert item_ids(client.get("/moderation?qpv=QP062019").get_data(as_text=True)) == [elsewhere.id]
    recent_from = (utcnow() - timedelta(days=2)).date().isoformat()
    assert old.id not in item_ids(client.get(f"/moderation?date_from={recent_from}").get_data(as_text=True))
    old_to = (utcnow() - timedelta(days=30)).date().isoformat()
    assert item_ids(client.get(f"/moderation?date_to={old_to}").get_data(as_text=True)) == [old.id]
    assert client.get("/moderation?tab=nope").status_code == 422
    assert client.get("/moderation/concertations/inconnue").status_code == 404


def test_pagination(client, consultation, make_contribution, moderator):
    created = [make_contribution(consultation, status="pending", title=f"Idée {i}") for i in range(28)]
    login(client, moderator)
    # « Nouvelles » is a triage tab: 25 cards a page (each with its duplicate suggestions)
    html = client.get("/moderation?sort=oldest").get_data(as_text=True)
    following = re.search(r'href="([^"]+)">Page suivante', html).group(1).replace("&amp;", "&")
    assert "apres=" in following and "Page précédente" not in html
    rest = client.get(following).get_data(as_text=True)
    assert item_ids(html) == [c.id for c in created[:25]] and item_ids(rest) == [c.id for c in created[25:]]
    assert "Page suivante" not in rest
    back = re.search(r'href="([^"]+)">← Page précédente', rest).group(1).replace("&amp;", "&")
    assert item_ids(client.get(back).get_data(as_text=True)) == [c.id for c in created[:25]]
    assert client.get("/moderation?apres=garbage").status_code == 422


def test_pages_of_the_other_tabs_hold_50(client, consultation, make_contribution, moderator):
    created = [make_contribution(consultation, status="rejected", title=f"Idée {i}") for i in range(53)]
    login(client, moderator)
    html = client.get("/moderation?tab=rejected&sort=oldest").get_data(as_text=True)
    assert item_ids(html) == [c.id for c in created[:50]]


def test_inbox_shows_duplicates_with_scores_and_the_detail(
    client, consultation, make_contribution, moderator
):
    lon, lat = centre(consultation)
    original = make_contribution(consultation, lon=lon, lat=lat, title="Un abri pour l'arrêt de bus Cité 12")
    duplicate = make_contribution(
        consultation, lon=lon + 0.0002, lat=lat, status="pending", title="Abri bus arrêt cité 12"
    )
    login(client, moderator)
    html = client.get("/moderation").get_data(as_text=True)
    assert item_ids(html) == [duplicate.id]
    assert f'data-dup-id="{original.id}"' in html and re.search(r"doublon \d+ %", html)
