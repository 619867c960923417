"""Account pages: sign-up, confirmation, login/logout, password reset, « mon compte »."""

import json
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import queries, services
from app.accounts.auth import DEFAULT_TOKEN_DAYS
from app.accounts.forms import (
    ActionForm,
    DeleteAccountForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
    TokenForm,
)
from app.consultations.models import utcnow
from app.errors import AppError, Conflict, Forbidden, Invalid
from app.extensions import db, limiter
from app.templating import paris_date

bp = Blueprint("accounts", __name__)
SIGNUP_SENT = _l(
    "Presque fini ! Nous avons envoyé un message à %(email)s : ouvrez le lien qu'il contient pour activer "
    "votre compte (pensez à regarder dans les courriers indésirables)."
)
LOGIN_FAILED = _l(
    "Adresse e-mail ou mot de passe incorrect. Par sécurité, après plusieurs essais manqués, la "
    "connexion au compte est bloquée quelques minutes : patientez, ou choisissez un nouveau mot de "
    "passe avec « Mot de passe oublié ? »."
)


def _limit(key, default):
    """A rate limit read from the config when the request comes (tests and deployments may tune it)."""
    return lambda: current_app.config.get(key, default)


def safe_next(target, default):
    """`target` if it is a path on this site, else `default` (no open redirect)."""
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith("//") or any(c in target for c in "\\\r\n\t"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def apply_errors(form, error):
    """Show a service error on the form: its fields next to the inputs, the rest above the form."""
    placed = False
    for name, messages in (error.fields or {}).items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
            placed = True
    if not placed or not isinstance(error, Invalid):
        form.form_errors.append(error.message)


def has_errors(form):
    return bool(form.errors or form.form_errors)


def sign_in(user, remember=False, warn=True):
    """Open the session and remember the login time; warn about what the account cannot do yet."""
    login_user(user, remember=remember)
    services.record_login(user)
    if not warn:
        return
    if user.suspended_until is not None and not user.can_post():
        reason = f" Motif : {user.suspension_reason}" if user.suspension_reason else ""
        flash(
            _(
                "Votre compte est suspendu par la modération jusqu'au %(suspended_until)s : vous pouvez "
                "lire mais pas participer.",
                suspended_until=paris_date(user.suspended_until, with_time=True),
            )
            + reason,
            "error",
        )
    elif user.confirmed_at is None:
        flash(
            _("Confirmez votre adresse e-mail avec le lien reçu pour pouvoir proposer, voter et commenter."),
            "info",
        )


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_RATE_LIMIT", "10 per minute"), methods=["POST"])
def login():
    target = safe_next(request.args.get("next"), url_for("consultations.home"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target)
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.commit()  # the failure count must outlive the refused answer's rollback
            form.form_errors.append(LOGIN_FAILED)
        else:
            try:
                services.check_can_sign_in(user)
            except Forbidden as error:
                form.form_errors.append(error.message)
                status = 403
            else:
                sign_in(user, remember=form.remember.data)
                flash(_("Bonjour %(pseudonym)s, vous êtes connecté.", pseudonym=user.pseudonym), "success")
                return redirect(target)
    if request.method == "POST" and status == 200:
        status = 422
    return render_template("accounts/login.html", form=form, next=request.args.get("next")), status


@bp.post("/deconnexion")
def logout():
    logout_user()
    flash(_("Vous êtes déconnecté. À bientôt !"), "info")
    return redirect(url_for("consultations.home"))


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit(
    _limit("SIGNUP_RATE_LIMIT", "5 per hour"), methods=["POST"], deduct_when=lambda r: r.status_code == 302
)
@limiter.limit(_limit("SIGNUP_ATTEMPT_RATE_LIMIT", "30 per hour"), methods=["POST"])
def signup():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next"), url_for("accounts.profile")))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            services.sign_up(form.email.data, form.pseudonym.data, form.password.data, form.consent.data)
        except AppError as error:
            apply_errors(form, error)
        else:
            # The same answer whether or not the address already had an account (its owner is mailed).
            flash(SIGNUP_SENT % {"email": services.normalize_email(form.email.data)}, "success")
            return redirect(url_for("accounts.login", next=request.args.get("next")))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/signup.html", form=form, next=request.args.get("next")), status


@bp.get("/inscription/confirmer/<token>")
def confirm(token):
    try:
        user, newly_confirmed = services.confirm_email(token)
    except Invalid as error:
        return _bad_link(error.message, again=url_for("accounts.profile"))
    if not newly_confirmed:
        flash(_("Votre adresse e-mail était déjà confirmée."), "info")
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for("consultations.home"))
        return redirect(url_for("accounts.login"))
    if not (current_user.is_authenticated and current_user.id == user.id):
        logout_user()
        sign_in(user)
    flash(
        _("Merci, votre adresse e-mail est confirmée : vous pouvez participer aux concertations."), "success"
    )
    return redirect(url_for("consultations.home"))


@bp.post("/inscription/renvoyer")
@login_required
@limiter.limit(_limit("RESEND_RATE_LIMIT", "5 per hour"))
def resend_confirmation():
    ActionForm()  # the CSRF token was checked before the view
    try:
        services.send_confirmation(current_user._get_current_object())
    except Conflict as error:
        flash(error.message, "info")
    else:
        flash(
            _("Un nouveau lien de confirmation a été envoyé à %(email)s.", email=current_user.email),
            "success",
        )
    return redirect(url_for("accounts.profile"))


@bp.route("/mot-de-passe/oubli", methods=["GET", "POST"])
@limiter.limit(_limit("RESET_RATE_LIMIT", "5 per hour"), methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "Si un compte existe pour cette adresse, nous venons d'y envoyer un lien pour choisir un nouveau "
                "mot de passe (pensez à regarder dans les courriers indésirables)."
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/reset_request.html", form=form), status


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        user = services.user_for_reset(token)
    except Invalid as error:
        return _bad_link(error.message, again=url_for("accounts.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except Invalid as error:
            apply_errors(form, error)
        else:
            logout_user()
            sign_in(user)
            flash(_("Votre mot de passe a été changé et vous êtes connecté."), "success")
            return redirect(url_for("accounts.profile"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/reset_password.html", form=form, user=user), status


@bp.get("/confidentialite")
def privacy():
    return render_template("accounts/privacy.html")


@bp.after_request
def _hide_link_tokens(response):
    # A page opened from a signed link must not leak the link to other sites through Referer.
    if request.view_args and "token" in request.view_args:
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _bad_link(message, again):
    return render_template("accounts/bad_link.html", message=message, again=again), 400


# --- « Mon compte » ---------------------------------------------------------------------------------
def _me():
    return current_user._get_current_object()


def _render_profile(status=200, new_token=None, **forms):
    user = _me()
    profile_form = forms.get("profile_form") or ProfileForm(
        formdata=None,
        pseudonym=user.pseudonym,
        home_qpv_code=user.home_qpv_code or "",
        age_band=user.age_band or "",
    )
    profile_form.set_qpv_choices(queries.qpv_choices())
    response = Response(
        render_template(
            "accounts/profile.html",
            user=user,
            profile_form=profile_form,
            token_form=forms.get("token_form") or TokenForm(formdata=None),
            delete_form=forms.get("delete_form") or DeleteAccountForm(formdata=None),
            action_form=ActionForm(formdata=None),
            tokens=queries.list_tokens(user),
            token_days=current_app.config.get("API_TOKEN_DAYS", DEFAULT_TOKEN_DAYS),
            now=utcnow(),
            new_token=new_token,
            age_band_labels=queries.AGE_BAND_LABELS,
            role_labels=queries.ROLE_LABELS,
        ),
        status=status,
    )
    response.headers["Cache-Control"] = "no-store"  # personal page (and a token shown once)
    return response


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


@bp.route("/compte/jetons", methods=["GET", "POST"])
@login_required
def tokens():
    if request.method == "GET":
        return redirect(url_for("accounts.profile", _anchor="jetons"))
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _token, raw = services.create_token(_me(), form.name.data)
        except AppError as error:
            apply_errors(form, error)
        else:
            return _render_profile(201, new_token=raw)
    return _render_profile(422, token_form=form)


@bp.post("/compte/jetons/<int:token_id>/revoquer")
@login_required
def revoke_token(token_id):
    token = services.revoke_token(_me(), token_id)
    flash(
        _("Le jeton « %(name)s » est révoqué : il ne permet plus d'accéder à votre compte.", name=token.name),
        "success",
    )
    return redirect(url_for("accounts.profile", _anchor="jetons"))


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
