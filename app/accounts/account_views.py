"""« Mon compte » (profile, « Mes idées », personal data, deletion) and the « Espace développeurs »."""

import json

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.accounts import queries, services
from app.accounts.auth import DEFAULT_TOKEN_DAYS
from app.accounts.forms import ActionForm, DeleteAccountForm, ProfileForm, TokenForm
from app.accounts.views import apply_errors, bp
from app.consultations.models import utcnow
from app.errors import AppError, Invalid

PROFILE_IDEAS = 5  # the latest ideas on « Mon compte »; the others on « Mes idées »


def _me():
    return current_user._get_current_object()


def _personal(body, status=200):
    response = Response(body, status=status)
    response.headers["Cache-Control"] = "no-store"  # personal page (and a token shown once)
    return response


def _render_profile(status=200, **forms):
    user = _me()
    profile_form = forms.get("profile_form") or ProfileForm(
        formdata=None,
        pseudonym=user.pseudonym,
        home_qpv_code=user.home_qpv_code or "",
        age_band=user.age_band or "",
    )
    profile_form.set_qpv_choices(queries.qpv_choices())
    body = render_template(
        "accounts/profile.html",
        user=user,
        profile_form=profile_form,
        delete_form=forms.get("delete_form") or DeleteAccountForm(formdata=None),
        action_form=ActionForm(formdata=None),
        ideas=queries.my_ideas(user, per_page=PROFILE_IDEAS),
        age_band_labels=queries.AGE_BAND_LABELS,
        role_labels=queries.ROLE_LABELS,
    )
    return _personal(body, status)


@bp.route("/compte", methods=["GET", "POST"])
@login_required
def profile():
    if request.method == "GET":
        return _render_profile()
    form = ProfileForm()
    form.set_qpv_choices(queries.qpv_choices())
    if form.validate_on_submit():
        try:
            services.update_profile(_me(), form.pseudonym.data, form.home_qpv_code.data, form.age_band.data)
        except AppError as error:
            apply_errors(form, error)
        else:
            flash(_("Vos informations ont été enregistrées."), "success")
            return redirect(url_for("accounts.profile"))
    return _render_profile(422, profile_form=form)


@bp.get("/compte/idees")
@login_required
def my_ideas():
    """« Mes idées »: every idea of the signed-in resident with its status, newest first, keyset-paged."""
    try:
        page = queries.my_ideas(_me(), after=request.args.get("apres"))
    except Invalid as error:  # a damaged cursor: the first page, and why
        flash(error.message, "error")
        page = queries.my_ideas(_me())
    return _personal(render_template("accounts/my_ideas.html", page=page))


# --- « Espace développeurs » : personal API tokens (scripts, QGIS / OGC API) ---------------------------
def _render_developers(status=200, new_token=None, token_form=None):
    user = _me()
    body = render_template(
        "accounts/developers.html",
        user=user,
        token_form=token_form or TokenForm(formdata=None),
        action_form=ActionForm(formdata=None),
        tokens=queries.list_tokens(user),
        token_days=current_app.config.get("API_TOKEN_DAYS", DEFAULT_TOKEN_DAYS),
        now=utcnow(),
        new_token=new_token,
    )
    return _personal(body, status)


@bp.get("/compte/developpeurs")
@login_required
def developers():
    return _render_developers()


@bp.route("/compte/jetons", methods=["GET", "POST"])
@login_required
def tokens():
    if request.method == "GET":
        return redirect(url_for("accounts.developers", _anchor="jetons"))
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _token, raw = services.create_token(_me(), form.name.data)
        except AppError as error:
            apply_errors(form, error)
        else:
            return _render_developers(201, new_token=raw)
    return _render_developers(422, token_form=form)


@bp.post("/compte/jetons/<int:token_id>/revoquer")
@login_required
def revoke_token(token_id):
    token = services.revoke_token(_me(), token_id)
    flash(
        _(
            "Le jeton « %(name)s » est révoqué : il ne permet plus d'accéder à votre compte.",
            name=token.name,
        ),
        "success",
    )
    return redirect(url_for("accounts.developers", _anchor="jetons"))


# --- personal data --------------------------------------------------------------------------------------
@bp.get("/compte/donnees.json")
@login_required
def export_data():
    body = json.dumps(queries.export_data(_me()), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="carte-commune-mes-donnees.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/compte/supprimer")
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(_me(), form.password.data)
        except Invalid as error:
            apply_errors(form, error)
        else:
            logout_user()
            flash(
                _(
                    "Votre compte a été supprimé. Vos contributions et commentaires restent visibles, "
                    "sans votre pseudonyme ; vos votes ont été retirés."
                ),
                "success",
            )
            return redirect(url_for("consultations.home"))
    return _render_profile(422, delete_form=form)
