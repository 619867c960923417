"""The resident lands back where they were: sign-up, e-mail confirmation, sign-in started from the map
or the proposal form; the `next` path rides in the confirmation link and never leaves the site."""

import re
from html import unescape
from urllib.parse import quote

import pytest

from app.accounts import tokens
from tests.accounts.conftest import link_path, mails_to, post_form, unique_email


def _signup(client, signup_data, next_path):
    return post_form(client, "/inscription?next=" + quote(next_path, safe="/"), signup_data)


def test_signing_up_from_the_map_then_confirming_lands_back_on_the_map(
    app, client, make_consultation, run_jobs, signup_data
):
    consultation = make_consultation()
    map_path = f"/consultations/{consultation.slug}/carte"
    page = unescape(client.get(map_path).get_data(as_text=True))
    assert f'href="/connexion?next={map_path}"' in page  # « Se connecter pour proposer »
    login_page = unescape(client.get(f"/connexion?next={map_path}").get_data(as_text=True))
    assert f"/inscription?next={map_path}" in login_page

    response = _signup(client, signup_data, map_path)
    assert response.status_code == 302 and response.headers["Location"] == f"/connexion?next={map_path}"
    run_jobs(["mail"])
    (mail,) = mails_to(signup_data["email"])
    path = link_path(mail, "/inscription/confirmer/")

    phone = app.test_client()
    response = phone.get(path)
    assert response.status_code == 302 and response.headers["Location"] == map_path
    assert phone.get("/api/me").get_json()["confirmed"] is True
    again = phone.get(path)  # already confirmed and signed in: straight back to the map
    assert again.status_code == 302 and again.headers["Location"] == map_path


def test_the_proposal_form_sends_to_sign_in_and_back_with_the_chosen_place(
    client, make_consultation, make_user
):
    consultation = make_consultation()
    user = make_user()
    form_path = f"/consultations/{consultation.slug}/proposer?lon=2.83&lat=50.43"
    response = client.get(form_path)
    assert response.status_code == 302
    login_path = response.headers["Location"]
    assert login_path.startswith("/connexion?next=")
    response = post_form(client, login_path, {"email": user.email, "password": "un mot de passe solide"})
    assert response.status_code == 302 and response.headers["Location"] == form_path


@pytest.mark.parametrize(
    "target", ["//evil.example/carte", "https://evil.example/", "/\\evil.example", "http:/evil.example"]
)
def test_the_confirmation_link_never_sends_off_site(app, client, signup_data, run_jobs, target):
    response = post_form(client, "/inscription", signup_data, query_string={"next": target})
    assert response.status_code == 302 and "evil" not in response.headers["Location"]
    run_jobs(["mail"])
    (mail,) = mails_to(signup_data["email"])
    response = app.test_client().get(link_path(mail, "/inscription/confirmer/"))
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_signed_link_carrying_an_off_site_next_still_lands_on_the_site(app, make_user):
    # Even a value that got into a signed link (an older version, a bug) is checked again on use.
    user = make_user(email=unique_email("signe"), confirmed=False)
    with app.test_request_context():
        token = tokens.dump(tokens.CONFIRM, {"uid": user.id, "email": user.email, "next": "//evil.example"})
    response = app.test_client().get(f"/inscription/confirmer/{token}")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_signing_up_from_the_proposal_form_comes_back_to_the_form_with_its_place(
    app, client, make_consultation, run_jobs, signup_data
):
    consultation = make_consultation()
    form_path = f"/consultations/{consultation.slug}/proposer?lon=2.83&lat=50.43"
    login_path = client.get(form_path).headers["Location"]
    login_page = client.get(login_path).get_data(as_text=True)
    signup_path = unescape(re.search(r'href="(/inscription\?next=[^"]+)"', login_page).group(1))
    response = post_form(client, signup_path, signup_data)
    assert response.status_code == 302
    run_jobs(["mail"])
    (mail,) = mails_to(signup_data["email"])
    response = app.test_client().get(link_path(mail, "/inscription/confirmer/"))
    assert response.status_code == 302 and response.headers["Location"] == form_path
