"""The public restitution: hidden until the team publishes it, figures, answers, map data, bilan PDF."""

import json
from html import unescape
from pathlib import Path

from sqlalchemy import text

from app.consultations.models import utcnow
from app.extensions import db
from app.moderation.services import hide, set_official_answer
from tests.conftest import csrf_token, login
from tests.moderation.conftest import FreshUserClient


def _client(app):
    return FreshUserClient(app, app.response_class, use_cookies=True)


def _publish(client, moderator, consultation):
    login(client, moderator)
    path = f"/consultations/{consultation.slug}/restitution"
    return client.post(path + "/publier", data={"csrf_token": csrf_token(client, path)})


def _seed(consultation, make_user, make_contribution, make_vote, make_comment, moderator):
    author, voters = make_user(email="auteur.secret@exemple.fr"), [make_user() for _ in range(3)]
    kept = make_contribution(consultation, author=author, title="Rouvrir la piscine")
    studied = make_contribution(consultation, author=author, title="Un jardin partagé")
    refused = make_contribution(consultation, author=voters[0], title="Un parking aérien")
    off_topic = make_contribution(consultation, author=voters[1], title="Baisser les impôts")
    for voter in voters:
        make_vote(kept, voter, 1)
    make_vote(refused, voters[1], -1)
    make_comment(studied, voters[2], "Avec des bacs pour l'école.")
    make_comment(studied, voters[1], "Et un composteur.")
    set_official_answer(moderator, kept, "retenue", "La piscine rouvrira en 2027.")
    set_official_answer(moderator, studied, "a_l_etude", "Le service des espaces verts étudie le terrain.")
    set_official_answer(moderator, refused, "non_retenue", "Le parking n'est pas prévu.")
    hide(moderator, off_topic, "Hors sujet : ne concerne pas le quartier")
    db.session.commit()
    return kept, studied, refused, off_topic


def test_the_restitution_is_hidden_until_the_team_publishes_it(app, consultation, make_user, moderator):
    anonymous, resident = app.test_client(), _client(app)
    path = f"/consultations/{consultation.slug}/restitution"
    assert anonymous.get(path).status_code == 404
    assert anonymous.get(path + "/idees.geojson").status_code == 404
    assert anonymous.get(path + "/bilan.pdf").status_code == 404
    login(resident, make_user())
    assert resident.get(path).status_code == 404
    assert resident.post(path + "/publier", data={"csrf_token": csrf_token(resident, "/")}).status_code == 403
    team = _client(app)
    login(team, moderator)
    page = unescape(team.get(path).get_data(as_text=True))
    assert "Publier la restitution" in page and "seule l'équipe la voit" in page
    assert anonymous.get("/rapports").status_code == 302  # staff reports stay staff-only


def test_published_restitution_shows_figures_answers_rankings_and_no_staff_data(
    app, consultation, make_user, make_contribution, make_vote, make_comment, moderator
):
    kept, studied, refused, off_topic = _seed(
        consultation, make_user, make_contribution, make_vote, make_comment, moderator
    )
    assert _publish(_client(app), moderator, consultation).status_code == 302
    page = app.test_client().get(f"/consultations/{consultation.slug}/restitution")
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    assert "Ce que vous avez dit, ce que le projet en fait" in html
    for answer in ("La piscine rouvrira en 2027.", "étudie le terrain", "Le parking n'est pas prévu."):
        assert answer in html
    population = db.session.scalar(text("SELECT population FROM qpv WHERE code = 'QP062024'"))
    # 4 people: the author of two ideas, three voters (one also an author), commenters among them.
    assert "<dt>Participants</dt><dd>4</dd>" in html and "<dt>Idées publiées</dt><dd>3</dd>" in html
    assert "<dt>Votes</dt><dd>4</dd>" in html
    rate = str(round(1000 * 4 / population, 1)).replace(".", ",")  # the French decimal comma
    assert f"<td>{rate}</td>" in html
    assert "Hors sujet (écartées par la modération, non affichées) : <strong>1</strong>" in html
    supported = html.index('id="soutenues"')
    assert html.index("Rouvrir la piscine", supported) < html.index("Un parking aérien", supported)
    debated = html.index('id="debattues"')
    assert html.index("Un jardin partagé", debated) < html.index("Rouvrir la piscine", debated)
    assert "auteur.secret@exemple.fr" not in html and "Baisser les impôts" not in html
    assert "Hors sujet : ne concerne pas" not in html
    assert "Publier la restitution" not in html


def test_the_map_data_groups_ideas_by_outcome_without_hidden_ones(
    app, consultation, make_user, make_contribution, make_vote, make_comment, moderator
):
    _seed(consultation, make_user, make_contribution, make_vote, make_comment, moderator)
    _publish(_client(app), moderator, consultation)
    response = app.test_client().get(f"/consultations/{consultation.slug}/restitution/idees.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    data = json.loads(response.get_data(as_text=True))
    groups = {f["properties"]["title"]: f["properties"]["group"] for f in data["features"]}
    assert groups == {
        "Rouvrir la piscine": "retenue",
        "Un jardin partagé": "a_l_etude",
        "Un parking aérien": "non_retenue",
    }
    assert set(data["features"][0]["properties"]) == {"id", "title", "group"}


def test_the_bilan_pdf_is_public_only_while_the_restitution_is_published(app, consultation, moderator):
    from app.reports.models import Report

    folder = Path(app.config["REPORT_DIR"]) / "restitution-test"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bilan.pdf").write_bytes(b"%PDF-1.4\n% bilan de test\n%%EOF\n")
    report = Report(
        consultation_id=consultation.id,
        version=1,
        status="finished",
        progress=100,
        pdf_path="restitution-test/bilan.pdf",
        figures={"scope": {"title": consultation.title}},
        finished_at=utcnow(),
        data_date=utcnow(),
    )
    db.session.add(report)
    db.session.commit()
    anonymous = app.test_client()
    path = f"/consultations/{consultation.slug}/restitution"
    assert anonymous.get(path + "/bilan.pdf").status_code == 404
    team = _client(app)
    _publish(team, moderator, consultation)
    response = anonymous.get(path + "/bilan.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "Télécharger le bilan (PDF, version 1)" in anonymous.get(path).get_data(as_text=True)
    team.post(path + "/retirer", data={"csrf_token": csrf_token(team, path)})
    assert anonymous.get(path + "/bilan.pdf").status_code == 404
    assert anonymous.get(path).status_code == 404


def test_publishing_tells_the_consultation_followers_once(app, consultation, make_user, moderator, run_jobs):
    from app.notifications import services

    follower = make_user()
    services.follow(follower, "consultation", consultation.id)
    db.session.commit()
    team = _client(app)
    _publish(team, moderator, consultation)
    path = f"/consultations/{consultation.slug}/restitution"
    team.post(path + "/publier", data={"csrf_token": csrf_token(team, path)})  # refreshing the figures
    run_jobs(["mail"])
    rows = db.session.execute(
        text("SELECT kind, url FROM notifications WHERE user_id = :u"), {"u": follower.id}
    ).all()
    assert [tuple(r) for r in rows] == [("restitution", path)]
    page = app.test_client().get(f"/consultations/{consultation.slug}").get_data(as_text=True)
    assert "Lire la restitution" in page
