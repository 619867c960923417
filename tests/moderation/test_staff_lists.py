"""Staff lists (users, comments, journal) paged by keyset cursors, with a fixed number of statements."""

import re
from datetime import timedelta

from sqlalchemy import text

from app.consultations.models import utcnow
from app.extensions import db
from app.moderation.services.audit import record
from tests.conftest import login


def _sql(statements):
    return [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]


def _links(html):
    found = dict(re.findall(r'href="([^"]+)">(← [^<]+|[^<]+ →)</a>', html))
    return {label: url.replace("&amp;", "&") for url, label in found.items()}


def _walk(client, url, pattern):
    """Follow the « suivante » links from `url`; the rows of every page and the statements of each."""
    pages = []
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append(re.findall(pattern, html))
        url = next((u for label, u in _links(html).items() if label.endswith("→")), None)
    return pages


def test_users_list_pages_by_pseudonym_with_fixed_statements(client, make_user, admin, count_queries):
    for i in range(57):
        make_user(pseudonym=f"zz-habitant-{i:03d}")
    login(client, admin)
    pages = _walk(client, "/moderation/utilisateurs?q=zz-habitant", r">(zz-habitant-\d+)</a>")
    assert [len(p) for p in pages] == [50, 7]
    assert sum(pages, []) == [f"zz-habitant-{i:03d}" for i in range(57)]
    html = client.get("/moderation/utilisateurs?q=zz-habitant").get_data(as_text=True)
    second = client.get(_links(html)["Page suivante →"]).get_data(as_text=True)
    back = client.get(_links(second)["← Page précédente"]).get_data(as_text=True)
    assert re.findall(r">(zz-habitant-\d+)</a>", back) == pages[0]
    db.session.expire_all()
    with count_queries() as statements:
        assert client.get(_links(html)["Page suivante →"]).status_code == 200
    assert len(_sql(statements)) <= 5, statements
    assert client.get("/moderation/utilisateurs?apres=nimporte").status_code == 422


def test_sanctioned_filter_uses_its_index(client, make_user, admin):
    banned = make_user(pseudonym="zz-banni")
    make_user(pseudonym="zz-sage")
    db.session.execute(text("UPDATE users SET banned_at = now() WHERE id = :id"), {"id": banned.id})
    login(client, admin)
    html = client.get("/moderation/utilisateurs?sanctioned=1&q=zz-").get_data(as_text=True)
    assert "zz-banni" in html and "zz-sage" not in html


def test_comments_list_pages_by_keyset(
    client, consultation, make_contribution, make_comment, make_user, moderator, count_queries
):
    idea = make_contribution(consultation)
    author = make_user()
    made = [make_comment(idea, author, body=f"Commentaire numéro {i:03d}") for i in range(53)]
    for i, comment in enumerate(made):  # distinct times, oldest first
        db.session.execute(
            text("UPDATE comments SET created_at = :t WHERE id = :id"),
            {"t": utcnow() - timedelta(minutes=100 - i), "id": comment.id},
        )
    login(client, moderator)
    pages = _walk(client, "/moderation/commentaires?tab=published", r"Commentaire numéro (\d+)")
    assert [len(p) for p in pages] == [50, 3]
    assert [int(n) for n in sum(pages, [])] == list(range(52, -1, -1))
    db.session.expire_all()
    with count_queries() as statements:
        assert client.get("/moderation/commentaires?tab=published").status_code == 200
    assert len(_sql(statements)) <= 5, statements


def test_journal_pages_by_keyset(client, admin, count_queries):
    for i in range(105):
        record(admin, "approve", "contribution", 900000 + i, reason=f"motif {i:03d}")
    login(client, admin)
    pages = _walk(client, "/moderation/journal?action=approve", r"motif (\d+)")
    assert [len(p) for p in pages] == [100, 5]
    assert [int(n) for n in sum(pages, [])] == list(range(104, -1, -1))
    db.session.expire_all()
    html = client.get("/moderation/journal").get_data(as_text=True)
    with count_queries() as statements:
        assert client.get(_links(html)["Plus anciennes →"]).status_code == 200
    assert len(_sql(statements)) <= 5, statements
