import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app.accounts import cli
from app.accounts.models import User
from app.extensions import db
from tests.conftest import bearer, login

ROOT = Path(__file__).resolve().parents[2]


def test_api_me_is_401_in_the_json_envelope_without_a_session_or_a_token(client):
    for headers in ({}, {"Authorization": "Bearer cc_faux"}, {"Authorization": "Basic eDp5"}):
        response = client.get("/api/me", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert response.get_json()["error"]["message"] == "Connectez-vous pour continuer."


def test_api_me_with_a_session_or_a_bearer_token(client, make_user):
    moderator = make_user(role="moderator")
    response = client.get("/api/me", headers=bearer(moderator))
    assert response.get_json()["role"] == "moderator" and response.get_json()["confirmed"] is True
    resident = make_user(confirmed=False)
    login(client, resident)
    body = client.get("/api/me").get_json()
    assert (body["pseudonym"], body["role"], body["confirmed"]) == (resident.pseudonym, "resident", False)


def test_api_me_is_documented(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "/api/me" in spec["paths"]


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_cli_creates_a_confirmed_account_from_a_piped_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "Urba@Exemple.fr", "--pseudonym", "Urbaniste CALL", "--role", "urbanist"],
        input="un mot de passe solide\n",
    )
    assert result.exit_code == 0, result.output
    user = _user("urba@exemple.fr")
    assert user.role == "urbanist" and user.confirmed_at is not None
    from werkzeug.security import check_password_hash

    assert check_password_hash(user.password_hash, "un mot de passe solide")

    duplicate = runner.invoke(
        args=["users", "create", "urba@exemple.fr", "--pseudonym", "Autre"], input="une autre phrase solide\n"
    )
    assert duplicate.exit_code == 1 and "Un compte existe déjà" in duplicate.output
    short = runner.invoke(args=["users", "create", "b@exemple.fr", "--pseudonym", "Bbb"], input="court\n")
    assert short.exit_code == 1 and "au moins 10 caractères" in short.output
    assert _user("b@exemple.fr") is None


def test_cli_prompts_twice_on_a_terminal(app, monkeypatch):
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "tty@exemple.fr", "--pseudonym", "Au Clavier"],
        input="premier essai long\nautre chose longue\nle bon mot de passe\nle bon mot de passe\n",
    )
    assert result.exit_code == 0, result.output
    assert "Mot de passe" in result.output and "Encore une fois" in result.output
    from werkzeug.security import check_password_hash

    assert check_password_hash(_user("tty@exemple.fr").password_hash, "le bon mot de passe")


def test_cli_token_and_set_role(app, make_user):
    user = make_user()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "token", user.email.upper()])
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    response = app.test_client().get("/api/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200 and response.get_json()["id"] == user.id

    result = runner.invoke(args=["users", "set-role", user.email, "moderator"])
    assert result.exit_code == 0
    db.session.expire_all()
    assert user.role == "moderator"
    assert runner.invoke(args=["users", "set-role", user.email, "roi"]).exit_code == 2
    assert runner.invoke(args=["users", "token", "personne@exemple.fr"]).exit_code == 1


def test_cli_delete_erases_an_account(app, make_user):
    user = make_user()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "delete", user.email], input="n\n").exit_code == 1
    result = runner.invoke(args=["users", "delete", user.email, "--yes"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert user.email is None and user.pseudonym == f"Compte supprimé #{user.id}"


@pytest.mark.committed
def test_the_real_cli_contract_with_a_pipe(app):
    """`flask --app wsgi users create ... < password` then `users token`: the commands outside checks run."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "CARTE_ENV": "test",
    }
    flask = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "users"]
    created = subprocess.run(
        [*flask, "create", "admin@exemple.fr", "--pseudonym", "Admin CALL", "--role", "admin"],
        input="mot de passe d'administration\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    token = subprocess.run(
        [*flask, "token", "admin@exemple.fr"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert token.returncode == 0, token.stderr
    raw = token.stdout.strip()
    assert raw.startswith("cc_") and "\n" not in raw
    me = app.test_client().get("/api/me", headers={"Authorization": f"Bearer {raw}"}).get_json()
    assert me == {
        "id": me["id"],
        "pseudonym": "Admin CALL",
        "role": "admin",
        "confirmed": True,
        "can_post": True,
    }
