"""« Mon compte »: « Mes idées » with what became of each (keyset-paged, a fixed number of statements),
and the personal API tokens on their own « Espace développeurs » page."""

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import select

from app.accounts.models import ApiToken
from app.consultations.models import utcnow
from app.extensions import db
from tests.accounts.conftest import post_form
from tests.conftest import login


def _html(response):
    return unescape(response.get_data(as_text=True))


def _sql(statements):
    """The app's statements (the savepoints belong to the test fixture)."""
    return [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))]


def _ideas_on(html):
    return [int(n) for n in re.findall(r'<p class="my-idea-title"><a href="/idees/(\d+)"', html)]


def test_my_ideas_tell_their_status_outcome_and_official_answer(
    client, make_user, make_consultation, make_contribution
):
    me, other = make_user(), make_user()
    consultation = make_consultation()
    now = utcnow()
    target = make_contribution(consultation, author=other, title="Idée d'une voisine")
    ideas = {
        "pending": make_contribution(consultation, author=me, status="pending", title="Un banc"),
        "published": make_contribution(
            consultation,
            author=me,
            title="Des arbres rue Bollaert",
            outcome="retenue",
            official_answer="Vingt arbres seront plantés en 2027.",
            agree_count=3,
            comment_count=0,
        ),
        "hidden": make_contribution(
            consultation, author=me, status="hidden", moderation_reason="Données personnelles", title="Caché"
        ),
        "merged": make_contribution(
            consultation, author=me, status="merged", merged_into_id=target.id, title="Doublon"
        ),
    }
    for n, item in enumerate(ideas.values()):
        item.created_at = now - timedelta(minutes=n)
    db.session.commit()
    login(client, me)
    html = _html(client.get("/compte"))
    assert "Mes idées" in html and "Idée d'une voisine" not in html
    assert "En attente de modération" in html and "Publiée" in html
    assert "Masquée par la modération" in html and "Motif : Données personnelles" in html
    assert "Fusionnée avec une idée semblable" in html
    assert "Suite donnée : Retenue" in html and "Vingt arbres seront plantés en 2027." in html
    assert "3 d'accord" in html and "0 commentaire" in html and "0 commentaires" not in html
    # Newest first; a merged idea links to the idea that gathers it.
    assert _ideas_on(html)[:3] == [ideas["pending"].id, ideas["published"].id, ideas["hidden"].id]
    assert _ideas_on(html)[3] == target.id


def test_my_ideas_are_keyset_paged_and_each_page_costs_the_same_statements(
    client, make_user, make_consultation, make_contribution, count_queries
):
    me = make_user()
    consultation = make_consultation()
    now = utcnow()
    made = [
        make_contribution(consultation, author=me, title=f"Idée {n}", created_at=now - timedelta(hours=n))
        for n in range(25)
    ]
    make_contribution(consultation, author=make_user(), title="Pas la mienne")
    login(client, me)
    client.get("/compte/idees")  # warm the session's caches (user, CSRF)
    with count_queries() as first_statements:
        first = client.get("/compte/idees")
    html = _html(first)
    assert first.headers["Cache-Control"] == "no-store"
    assert "Vous avez proposé 25 idées." in html
    page_one = _ideas_on(html)
    assert page_one == [item.id for item in made[:20]]
    cursor = re.search(r'href="/compte/idees\?apres=([^"]+)" rel="next"', html).group(1)
    with count_queries() as second_statements:
        second = client.get(f"/compte/idees?apres={cursor}")
    page_two = _ideas_on(_html(second))
    assert page_two == [item.id for item in made[20:]]
    assert 'rel="next"' not in _html(second) and "Les plus récentes" in _html(second)
    assert len(_sql(first_statements)) == len(_sql(second_statements)) <= 5

    login(client, make_user())
    client.get("/compte/idees")
    with count_queries() as few_statements:  # the same count with no idea as with 20 on the page
        client.get("/compte/idees")
    assert len(_sql(few_statements)) == len(_sql(first_statements))

    damaged = client.get("/compte/idees?apres=nimportequoi")
    assert damaged.status_code == 200 and "Ce lien de pagination n'est plus valable" in _html(damaged)


def test_the_account_page_shows_the_latest_ideas_in_fixed_statements(
    client, make_user, make_consultation, make_contribution, count_queries
):
    me = make_user()
    consultation = make_consultation()
    login(client, me)
    client.get("/compte")
    with count_queries() as none_yet:
        html = _html(client.get("/compte"))
    assert "Vous n'avez pas encore proposé d'idée." in html
    for n in range(8):
        make_contribution(consultation, author=me, title=f"Idée {n}")
    with count_queries() as eight:
        html = _html(client.get("/compte"))
    assert len(_ideas_on(html)) == 5 and "Voir toutes mes idées (8)" in html
    assert len(_sql(eight)) == len(_sql(none_yet))


def test_tokens_live_on_the_developers_page_not_on_the_account_page(client, make_user):
    me = make_user()
    login(client, me)
    account = _html(client.get("/compte"))
    assert "Jetons d'API" not in account and "Créer un jeton" not in account
    assert 'href="/compte/developpeurs"' in account

    response = post_form(client, "/compte/jetons", {"name": "QGIS du service urbanisme"})
    assert response.status_code == 201 and "Espace développeurs" in _html(response)
    (raw,) = re.findall(r">(cc_[^<]+)</textarea>", response.get_data(as_text=True))
    assert (
        client.application.test_client().get("/ogc", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 200
    )
    page = _html(client.get("/compte/developpeurs"))
    assert "QGIS du service urbanisme" in page and raw not in page and "/ogc" in page
    assert "QGIS du service urbanisme" not in _html(client.get("/compte"))
    assert client.get("/compte/jetons").headers["Location"] == "/compte/developpeurs#jetons"

    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == me.id))
    response = post_form(client, f"/compte/jetons/{token.id}/revoquer", {})
    assert response.status_code == 302 and response.headers["Location"] == "/compte/developpeurs#jetons"
    assert "révoqué le" in _html(client.get("/compte/developpeurs"))


def test_my_ideas_and_developers_pages_need_a_session(client):
    for path in ("/compte/idees", "/compte/developpeurs"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/connexion?next=")
