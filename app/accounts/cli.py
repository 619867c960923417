"""`flask users ...`: create accounts, issue personal API tokens, change roles."""

import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts import queries, services
from app.accounts.models import ROLES, User
from app.errors import AppError
from app.extensions import db

users_cli = AppGroup("users", help="Comptes : création, jetons d'API, rôles.")


def _fail(error):
    details = " ".join(f"{name} : {' '.join(messages)}" for name, messages in (error.fields or {}).items())
    raise click.ClickException(f"{error.message} {details}".strip())


def _interactive():
    return sys.stdin.isatty()


def _read_password():
    """Prompt twice on a terminal; read one line when the password is piped in."""
    if _interactive():
        return click.prompt("Mot de passe", hide_input=True, confirmation_prompt="Encore une fois")
    return sys.stdin.readline().rstrip("\r\n")


def _user(email):
    user = queries.get_by_email(email)
    if user is None:
        raise click.ClickException(f"Aucun compte avec l'adresse {email}.")
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--pseudonym", required=True, help="Pseudonyme public (3 à 40 caractères).")
@click.option("--role", type=click.Choice(ROLES), default="resident", show_default=True)
def create_command(email, pseudonym, role):
    """Crée un compte confirmé ; le mot de passe est lu sur l'entrée standard."""
    password = _read_password()
    try:
        user = services.register_user(email, pseudonym, password, role=role, confirmed=True)
    except AppError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    click.echo(f"Compte créé : {user.pseudonym} <{user.email}> (rôle {user.role}, id {user.id}).")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="jeton personnel", show_default=True, help="Nom du jeton.")
def token_command(email, name):
    """Crée un jeton d'API personnel et l'affiche (une seule fois)."""
    try:
        _token, raw = services.create_token(_user(email), name)
    except AppError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    click.echo(raw)


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def set_role_command(email, role):
    """Change le rôle d'un compte."""
    user = services.set_role(_user(email), role)
    db.session.commit()
    click.echo(f"{user.pseudonym} <{user.email}> a maintenant le rôle {user.role}.")


@users_cli.command("delete")
@click.argument("email")
@click.confirmation_option(prompt="Supprimer définitivement ce compte ?")
def delete_command(email):
    """Efface un compte (demande RGPD reçue par courrier) : comme « Supprimer mon compte »."""
    user = services.erase_account(_user(email))
    db.session.commit()
    click.echo(f"Compte {user.id} supprimé : e-mail et mot de passe effacés, votes retirés.")


@users_cli.command("create-admin")
@click.option("--email", help="Adresse e-mail (demandée si absente).")
@click.option("--pseudonym", help="Pseudonyme public (demandé si absent).")
def create_admin_command(email, pseudonym):
    """Crée un compte administrateur ; le mot de passe est demandé (jamais sur la ligne de commande)."""
    email = email or click.prompt(_("Adresse e-mail de l'administrateur"))
    pseudonym = pseudonym or click.prompt(_("Pseudonyme public"), default=_("Administration"))
    password = _read_password()
    try:
        user = services.register_user(email, pseudonym, password, role="admin", confirmed=True)
    except AppError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    click.echo(_("Administrateur créé : %(name)s <%(email)s>.", name=user.pseudonym, email=user.email))
    click.echo(_("Connectez-vous sur /connexion, puis ouvrez « Concertations » pour gérer le site."))


@users_cli.command("first-admin-hint")
def first_admin_hint_command():
    """Dit comment créer le premier administrateur, tant qu'il n'y en a aucun."""
    if db.session.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None:
        return
    click.echo(_("Aucun administrateur pour l'instant. Créez le premier (le mot de passe est demandé) :"))
    click.echo("    .venv/bin/flask --app wsgi users create-admin")
