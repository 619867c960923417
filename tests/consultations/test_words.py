"""Words: QPV names in official spelling, French plurals, the same « d'accord / pas d'accord » wording."""

import pytest
from flask import render_template_string
from sqlalchemy import text

from app.extensions import db
from app.territory.services import official_name


def test_qpv_names_are_stored_in_their_official_spelling():
    names = dict(db.session.execute(text("SELECT code, name FROM qpv")).all())
    assert names["QP062028"] == "Calonne - Marichelles - Vent de Bise"
    assert names["QP062029"] == "Les Hauts de Liévin - Résidence des Provinces - Cités 9-9bis"
    assert names["QP062045"] == "Quartier du Maroc - La Canche"
    names_2024 = dict(db.session.execute(text("SELECT code, name FROM qpv_2024")).all())
    assert names_2024["QN06243M"] == "La Plaine du 7"
    assert not [
        n for n in [*names.values(), *names_2024.values()] if " De " in n or " Des " in n or " Du " in n
    ]


@pytest.mark.parametrize(
    ("raw", "official"),
    [
        ("Vent De Bise", "Vent de Bise"),
        ("Cité Des Brebis", "Cité des Brebis"),
        ("Les Blanches Laines", "Les Blanches Laines"),
    ],
)
def test_official_name(raw, official):
    assert official_name(raw) == official


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 commentaire"), (1, "1 commentaire"), (2, "2 commentaires"), (1200, "1\u202f200 commentaires")],
)
def test_plural_filter(app, count, expected):
    with app.test_request_context():
        assert render_template_string("{{ n|plural('commentaire') }}", n=count) == expected
        assert render_template_string("commentaire{{ n|plural_s }}", n=count) == expected.split(" ")[-1]


def test_zero_comment_and_one_idea_on_the_list(client, consultation, make_contribution):
    make_contribution(consultation)
    html = client.get(f"/consultations/{consultation.slug}/idees").get_data(as_text=True)
    assert "1 idée</h2>" in html and "0 commentaire</span>" in html and "0 commentaires" not in html


def test_staff_pages_say_d_accord_like_the_residents(client, consultation, make_contribution, make_user):
    from tests.conftest import login

    contribution = make_contribution(consultation)
    moderator = make_user(role="moderator")
    db.session.commit()
    login(client, moderator)
    for url in (f"/moderation/contributions/{contribution.id}", "/moderation?tab=published"):
        html = client.get(url).get_data(as_text=True)
        assert "0 d'accord · 0 pas d'accord" in html or "0 d&#39;accord · 0 pas d&#39;accord" in html, url
        assert " pour · " not in html
