"""« Facile à lire et à comprendre » (FALC): each consultation's easy-read summary is written in the
back office, the API and the setup files, sanitised like the description, and shown first to the
residents who ask for it (a choice kept like the language: account, else the cc_falc cookie)."""

import re

from sqlalchemy import select

from app.accounts.models import User
from app.consultations.forms import form_from_consultation
from app.consultations.models import Consultation
from app.consultations.queries import landmarks
from app.extensions import db
from app.i18n import EASY_READ_COOKIE
from tests.conftest import bearer, csrf_token, login
from tests.consultations.conftest import three_phases

EASY = "Le quartier va **changer**.\n\nDites-nous vos idées.\n\n<script>alert(1)</script>[x](javascript:alert(1))"
SECTION = re.compile(r'<section class="easy-read" aria-labelledby="facile-a-lire">(.*?)</section>', re.S)


def _page(client, consultation, **headers):
    return client.get(f"/consultations/{consultation.slug}", headers=headers).get_data(as_text=True)


def test_api_patch_sets_sanitises_and_clears_the_summary(client, make_consultation, make_user):
    consultation = make_consultation()
    admin = make_user(role="admin")
    path = f"/api/consultations/{consultation.slug}"
    response = client.patch(path, json={"easy_read_summary": EASY}, headers=bearer(admin))
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["easy_read_summary"] == EASY
    html = data["easy_read_html"]
    assert "<strong>changer</strong>" in html and "<script" not in html and "javascript:" not in html
    too_long = client.patch(path, json={"easy_read_summary": "a" * 5001}, headers=bearer(admin))
    assert too_long.status_code == 422 and "easy_read_summary" in too_long.get_json()["error"]["fields"]
    cleared = client.patch(path, json={"easy_read_summary": None}, headers=bearer(admin))
    assert cleared.get_json()["easy_read_summary"] is None and cleared.get_json()["easy_read_html"] == ""
    resident = make_user()
    refused = client.patch(path, json={"easy_read_summary": "Non."}, headers=bearer(resident))
    assert refused.status_code == 403
    assert db.session.get(Consultation, consultation.id).easy_read_summary is None


def test_openapi_documents_the_field(client):
    spec = client.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    patch = next(s for name, s in schemas.items() if name.startswith("ConsultationPatch"))
    assert "FALC" in patch["properties"]["easy_read_summary"]["description"]
    detail = next(s for name, s in schemas.items() if name.startswith("ConsultationDetail"))
    assert {"easy_read_summary", "easy_read_html"} <= set(detail["properties"])


def test_back_office_form_edits_the_summary(client, make_consultation, make_user):
    consultation = make_consultation(phases=three_phases())
    admin = make_user(role="admin")
    login(client, admin)
    page = client.get(f"/gestion/concertations/{consultation.slug}").get_data(as_text=True)
    assert 'name="easy_read_summary"' in page
    form = form_from_consultation(consultation, landmarks(consultation.id))
    form.update(
        csrf_token=csrf_token(client, f"/gestion/concertations/{consultation.slug}"), easy_read_summary=EASY
    )
    response = client.post(f"/gestion/concertations/{consultation.slug}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    assert db.session.get(Consultation, consultation.id).easy_read_summary == EASY


def test_setup_files_create_and_export_the_summary(app, tmp_path, make_consultation):
    consultation = make_consultation(slug="jardins", phases=three_phases())
    consultation.easy_read_summary = "Un jardin pour tous.\n\nVenez planter."
    db.session.commit()
    runner = app.test_cli_runner()
    exported = tmp_path / "jardins.yml"
    result = runner.invoke(args=["consultations", "export", "jardins", "--to", str(exported)])
    assert result.exit_code == 0, result.output
    text = exported.read_text(encoding="utf-8")
    assert "easy_read_summary:" in text
    exported.write_text(text.replace("slug: jardins", "slug: jardins-bis"), encoding="utf-8")
    result = runner.invoke(args=["consultations", "create", "--from-file", str(exported)])
    assert result.exit_code == 0, result.output
    copy = db.session.scalar(select(Consultation).where(Consultation.slug == "jardins-bis"))
    assert copy.easy_read_summary == "Un jardin pour tous.\n\nVenez planter."


def test_shown_first_only_to_residents_who_ask(client, make_consultation):
    consultation = make_consultation(description="La longue description du projet urbain.")
    consultation.easy_read_summary = EASY
    db.session.commit()
    page = _page(client, consultation)
    assert not SECTION.search(page)  # not asked for: an offer, the usual page
    offer = re.search(r'<p class="easy-read-offer"><a class="button secondary" href="([^"]+)"', page)
    assert offer and "Facile à lire" in page

    answer = client.get(offer.group(1).replace("&amp;", "&"))
    assert answer.status_code == 303 and answer.headers["Location"].endswith(
        f"/consultations/{consultation.slug}"
    )
    assert answer.headers["Set-Cookie"].startswith(f"{EASY_READ_COOKIE}=1;")
    page = _page(client, consultation)
    section = SECTION.search(page)
    assert section and "Facile à lire et à comprendre" in section.group(1)
    assert "<strong>changer</strong>" in section.group(1) and "<script>alert" not in page
    assert page.index('class="easy-read"') < page.index("La longue description")  # first
    assert 'class="easy-read-pictogram"' in section.group(1)

    client.get(f"/facile-a-lire?actif=0&next=/consultations/{consultation.slug}")
    assert not SECTION.search(_page(client, consultation))


def test_the_choice_follows_the_account_and_the_language(app, client, make_consultation, make_user):
    consultation = make_consultation()
    consultation.easy_read_summary = "Des arbres dans la rue."
    db.session.commit()
    user = make_user()
    login(client, user)
    client.get("/facile-a-lire?actif=1&next=/")
    assert db.session.get(User, user.id).easy_read is True
    other = app.test_client()
    login(other, user)
    english = _page(other, consultation, **{"Accept-Language": "en"})
    section = SECTION.search(english)
    assert section and "Easy to read and understand" in section.group(1)
    assert 'lang="fr" dir="ltr"' in section.group(1)  # the team's French text is marked as French
    arabic = _page(other, consultation, **{"Accept-Language": "ar"})
    assert "سهل القراءة والفهم" in SECTION.search(arabic).group(1)


def test_anonymous_pages_stay_cookie_free_with_a_summary(client, make_consultation):
    consultation = make_consultation()
    consultation.easy_read_summary = "Des bancs."
    db.session.commit()
    response = client.get(f"/consultations/{consultation.slug}")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "Cookie" in response.vary


def test_no_offer_without_a_summary(client, make_consultation):
    consultation = make_consultation()
    assert "easy-read" not in _page(client, consultation)
