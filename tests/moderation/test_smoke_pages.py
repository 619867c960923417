"""Every back-office page renders for a moderator / an admin with data in it."""

import pytest

from app.extensions import db
from app.moderation import services
from tests.conftest import login


@pytest.fixture
def seeded(consultation, make_contribution, make_comment, make_vote, make_user, moderator, reasons):
    author = make_user()
    pending = make_contribution(consultation, author=author, status="pending", title="Un banc devant l'école")
    published = make_contribution(consultation, author=author, title="Des bancs devant l'école Basly")
    comment = make_comment(published, make_user(), "Très bonne idée")
    make_vote(published, make_user(), 1)
    services.reject(moderator, make_contribution(consultation, author=author, status="pending"), "Hors sujet")
    return {"author": author, "pending": pending, "published": published, "comment": comment}


def test_pages_render(client, seeded, moderator, admin, consultation):
    login(client, admin)
    for path in (
        "/moderation",
        "/moderation/?tab=published&sort=oldest",
        "/moderation/?tab=rejected",
        "/moderation/?tab=flagged",
        f"/moderation/concertations/{consultation.slug}?theme=cadre-de-vie-espaces-publics&date_from=2020-01-01",
        f"/moderation/contributions/{seeded['pending'].id}",
        f"/moderation/contributions/{seeded['published'].id}",
        "/moderation/commentaires?tab=published",
        "/moderation/utilisateurs",
        f"/moderation/utilisateurs/{seeded['author'].id}",
        "/moderation/motifs",
        "/moderation/journal",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:2000])
    db.session.expire_all()
