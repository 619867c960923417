"""Messages written in Python (API errors, validation, form errors, mail subjects) in the reader's
language: French is the source and stays as it was; English and Arabic come from the catalogs."""

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from app.consultations.models import utcnow
from app.mail import outbox_messages
from tests.conftest import bearer, csrf_token

NOT_FOUND = {
    "fr": "Cette page ou cette ressource n'existe pas.",
    "en": "This page or resource does not exist.",
    "ar": "هذه الصفحة أو هذا المورد غير موجود.",
}
NO_CONSULTATION = {
    "fr": "Cette concertation n'existe pas.",
    "en": "This consultation does not exist.",
    "ar": "هذه المشاورة غير موجودة.",
}
INVALID = {
    "fr": ("Certaines informations sont invalides.", "Ce champ est obligatoire."),
    "en": ("Some information is invalid.", "This field is required."),
    "ar": ("بعض المعلومات غير صالحة.", "هذا الحقل مطلوب."),
}
BAD_EMAIL = {
    "fr": "Saisissez une adresse e-mail valide",
    "en": "Enter a valid email address",
    "ar": "أدخل بريدًا إلكترونيًا صالحًا",
}
CONFIRM_SUBJECT = {
    "fr": "Confirmez votre adresse e-mail — Carte Commune",
    "en": "Confirm your email address — Carte Commune",
    "ar": "أكّد بريدك الإلكتروني — Carte Commune",
}
SUSPENDED = {
    "fr": ("Votre compte est suspendu", "Bonjour"),
    "en": ("Your account is suspended", "Hello"),
    "ar": ("حسابك معلّق", "مرحبًا"),
}
LANGS = ("fr", "en", "ar")


@pytest.fixture(autouse=True)
def empty_outbox(app):
    for path in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"):
        path.unlink()


def _mails_to(address):
    return [m for m in outbox_messages() if m["To"] == address]


@pytest.mark.parametrize("lang", LANGS)
def test_http_error_envelope_in_the_request_language(client, lang):
    response = client.get("/api/rien-ici", headers={"Accept-Language": lang})
    error = response.get_json()["error"]
    assert response.status_code == 404 and error["code"] == "not_found"  # codes stay machine codes
    assert error["message"] == NOT_FOUND[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_service_error_in_the_request_language(client, lang):
    response = client.get("/api/consultations/inconnue/contributions", headers={"Accept-Language": lang})
    assert response.status_code == 404 and response.get_json()["error"]["message"] == NO_CONSULTATION[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_marshmallow_validation_messages_in_the_request_language(client, make_consultation, make_user, lang):
    consultation, resident = make_consultation(), make_user()
    headers = {**bearer(resident), "Accept-Language": lang}
    response = client.post("/api/contributions", json={"consultation": consultation.slug}, headers=headers)
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["code"] == "invalid"
    assert (error["message"], error["fields"]["title"]) == (INVALID[lang][0], [INVALID[lang][1]])


@pytest.mark.parametrize("lang", LANGS)
def test_form_validation_message_in_the_request_language(client, lang):
    data = {
        "pseudonym": f"Habitante {uuid.uuid4().hex[:6]}",
        "email": "pas-une-adresse",
        "password": "une phrase de passe assez longue",
        "consent": "y",
        "csrf_token": csrf_token(client),
    }
    response = client.post("/inscription", data=data, headers={"Accept-Language": lang})
    assert response.status_code == 422
    assert BAD_EMAIL[lang] in response.get_data(as_text=True)


@pytest.mark.parametrize("lang", LANGS)
def test_sign_up_mail_subject_in_the_language_of_the_person_signing_up(client, run_jobs, lang):
    email = f"langue-{uuid.uuid4().hex[:10]}@exemple.fr"
    data = {
        "pseudonym": f"Habitante {uuid.uuid4().hex[:6]}",
        "email": email,
        "password": "une phrase de passe assez longue",
        "consent": "y",
        "csrf_token": csrf_token(client),
    }
    response = client.post("/inscription", data=data, headers={"Accept-Language": lang})
    assert response.status_code == 302
    run_jobs(["mail"])
    [mail] = _mails_to(email)
    assert mail["Subject"] == CONFIRM_SUBJECT[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_background_mail_in_the_recipient_language(make_user, run_jobs, lang):
    from app.moderation import services

    moderator, user = make_user(role="moderator"), make_user(locale=lang)
    services.suspend_user(moderator, user, utcnow() + timedelta(days=7), "Insultes répétées")
    run_jobs(["mail"])  # the worker has no request: the language is the account's
    [mail] = _mails_to(user.email)
    subject, greeting = SUSPENDED[lang]
    assert mail["Subject"] == subject
    text = mail.get_body(("plain",)).get_content()
    assert text.startswith(f"{greeting} {user.pseudonym}") and "Insultes répétées" in text


def test_lazy_labels_are_translated_once_in_the_page_language(app):
    """The labels a list repeats on every card are translated for the page, in its language."""
    from flask_babel import force_locale

    from app.contributions.models import STATUS_LABELS
    from app.i18n import translated

    with app.test_request_context("/"):
        assert translated(STATUS_LABELS)["rejected"] == "Refusée"
        with force_locale("en"):
            labels = translated(STATUS_LABELS)
        assert labels["rejected"] == "Rejected" and all(type(v) is str for v in labels.values())


@pytest.mark.parametrize("locale", ["fr", "en", "ar"])
def test_a_label_s_text_is_flask_babel_s_in_every_language(app, locale):
    """label_text (the catalog the request remembered, no proxies) gives what str(label) gives, before
    and after the request's first translation, in a forced language too; a label with values, or a
    plain string, as str() would. The API's labels are its words."""
    from flask_babel import force_locale

    from app.contributions.models import OUTCOME_LABELS, SOURCE_LABELS, STATUS_LABELS
    from app.i18n import label_text

    labels = [*STATUS_LABELS.values(), *SOURCE_LABELS.values(), *OUTCOME_LABELS.values()]
    with app.test_request_context("/", headers={"Accept-Language": locale}):
        first = label_text(labels[0])  # before anything was translated in this request
        assert [first, *map(label_text, labels[1:])] == [str(label) for label in labels]
        with force_locale("en" if locale != "en" else "ar"):
            assert [label_text(label) for label in labels] == [str(label) for label in labels]
        assert label_text("déjà du texte") == "déjà du texte"
        if locale != "fr":  # the catalog is really in force
            assert label_text(STATUS_LABELS["rejected"]) != "Refusée"
