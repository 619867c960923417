"""An idea's story on its page: déposée → publiée → étudiée → retenue, with the official answers."""

import re
from html import unescape

from app.extensions import db
from app.moderation.services import approve, set_official_answer


def _steps(html):
    section = html[html.index('id="histoire"') : html.index("</section>", html.index('id="histoire"'))]
    return [
        unescape(s) for s in re.findall(r'<p class="cc-step-label"><strong>(.*?)</strong>', section)
    ], section


def test_the_idea_page_tells_its_story_step_by_step(
    app, consultation, make_user, make_contribution, moderator
):
    item = make_contribution(consultation, author=make_user(), status="pending", title="Éclairer le passage")
    approve(moderator, item)
    db.session.commit()
    client = app.test_client()
    steps, _section = _steps(client.get(f"/idees/{item.id}").get_data(as_text=True))
    assert steps == ["Déposée", "Publiée", "Étudiée par l'équipe projet", "Retenue ou non retenue"]

    set_official_answer(moderator, item, "a_l_etude", "Les services techniques chiffrent l'éclairage.")
    db.session.commit()
    set_official_answer(moderator, item, "retenue", "Quatre lampadaires seront posés en mars.")
    db.session.commit()
    html = client.get(f"/idees/{item.id}").get_data(as_text=True)
    steps, section = _steps(html)
    assert steps == ["Déposée", "Publiée", "Étudiée : à l'étude", "Retenue"]
    text = unescape(section)
    assert text.index("chiffrent l'éclairage") < text.index("Quatre lampadaires")
    assert "pendant la concertation" in text and "(à venir)" not in text


def test_pending_ideas_have_no_public_story(app, consultation, make_user, make_contribution):
    item = make_contribution(consultation, author=make_user(), status="hidden", title="Masquée")
    html = app.test_client().get(f"/idees/{item.id}").get_data(as_text=True)
    assert 'id="histoire"' not in html
