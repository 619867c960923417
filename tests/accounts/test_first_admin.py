"""A newcomer can operate it: `make run` says how to create the first admin, and PORT sets the public URL."""

import os
import subprocess
from pathlib import Path

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_create_admin_prompts_in_french_and_reads_the_password_from_stdin(app):
    runner = app.test_cli_runner()
    hint = runner.invoke(args=["users", "first-admin-hint"])
    assert "Aucun administrateur pour l'instant" in hint.output and "users create-admin" in hint.output
    result = runner.invoke(
        args=["users", "create-admin"], input="cheffe@exemple.fr\nCheffe\nune phrase de passe solide\n"
    )
    assert result.exit_code == 0, result.output
    assert (
        "Adresse e-mail de l'administrateur" in result.output
        and "Administrateur créé : Cheffe" in result.output
    )
    user = db.session.scalar(select(User).where(User.email == "cheffe@exemple.fr"))
    assert user.role == "admin" and user.confirmed_at is not None
    assert "une phrase de passe solide" not in user.password_hash
    assert runner.invoke(args=["users", "first-admin-hint"]).output == ""
    weak = runner.invoke(
        args=["users", "create-admin", "--email", "x@exemple.fr", "--pseudonym", "Xavier"], input="court\n"
    )
    assert weak.exit_code != 0 and "mot de passe" in weak.output.lower()


def _planned_run(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"} | env
    planned = subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return planned.stdout


def test_make_run_port_sets_the_public_base_url_unless_given():
    assert "QR codes: http://127.0.0.1:8123;" in _planned_run("PORT=8123")
    assert "--bind 127.0.0.1:8123" in _planned_run("PORT=8123")
    assert "QR codes: https://carte.exemple.fr;" in _planned_run(
        "PORT=8123", PUBLIC_BASE_URL="https://carte.exemple.fr"
    )
    assert "users first-admin-hint" in _planned_run()
