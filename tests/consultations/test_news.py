"""Project news: posted by the project team, shown in the timeline with an optional photo, audited."""

import io

from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.moderation.models import ModerationAction
from tests.conftest import bearer, csrf_token, login
from tests.consultations.conftest import three_phases


def _jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_lead_posts_news_with_a_photo_shown_in_the_timeline(client, make_consultation, make_user, assign):
    consultation = make_consultation(phases=three_phases())
    lead = make_user()
    assign(consultation, lead, "chef_de_projet")
    login(client, lead)
    token = csrf_token(client, f"/gestion/concertations/{consultation.slug}")
    response = client.post(
        f"/gestion/concertations/{consultation.slug}/actualites",
        data={
            "csrf_token": token,
            "news_title": "Le chantier du square démarre",
            "news_body": "Les engins arrivent lundi.\n\n<b>Réunion</b> jeudi à 18 h.",
            "photo": (io.BytesIO(_jpeg()), "chantier.jpg"),
        },
    )
    assert response.status_code == 302
    page = client.get(f"/consultations/{consultation.slug}").get_data(as_text=True)
    assert "Actualités du projet" in page and "Le chantier du square démarre" in page
    assert "&lt;b&gt;Réunion&lt;/b&gt;" in page and "<b>Réunion" not in page
    listed = client.get(f"/api/consultations/{consultation.slug}/news").get_json()
    assert [n["title"] for n in listed] == ["Le chantier du square démarre"]
    photo = client.get(listed[0]["photo"])
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    entry = db.session.scalar(select(ModerationAction).where(ModerationAction.action == "news_post"))
    assert entry.actor_id == lead.id and entry.consultation_id == consultation.id


def test_news_refuses_a_bad_title_or_photo_in_french(client, make_consultation, admin):
    consultation = make_consultation()
    short = client.post(
        f"/api/consultations/{consultation.slug}/news", json={"title": "x"}, headers=bearer(admin)
    )
    assert (
        short.status_code == 422 and "Un titre de 3 à 200 caractères." in short.get_json()["error"]["message"]
    )
    login(client, admin)
    token = csrf_token(client, f"/gestion/concertations/{consultation.slug}")
    client.post(
        f"/gestion/concertations/{consultation.slug}/actualites",
        data={
            "csrf_token": token,
            "news_title": "Une photo cassée",
            "photo": (io.BytesIO(b"pas une image"), "x.jpg"),
        },
    )
    assert client.get(f"/api/consultations/{consultation.slug}/news").get_json() == []
