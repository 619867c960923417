"""Account pages: sign-up, confirmation, login/logout, password reset, « mon compte »."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import services, signin
from app.accounts.forms import (
    ActionForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
    SigninLinkForm,
    SignupForm,
)
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
    target = (target or "").strip() if isinstance(target, str) else ""
    if not target.startswith("/") or target.startswith("//") or len(target) > 500:
        return default
    if any(c in target for c in "\\\r\n\t") or any(ord(c) < 32 or ord(c) == 127 for c in target):
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
    page = render_template("accounts/login.html", form=form, next=safe_next(request.args.get("next"), None))
    return page, status


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
            services.sign_up(
                form.email.data,
                form.pseudonym.data,
                form.password.data,
                form.consent.data,
                next_path=safe_next(request.args.get("next"), None),
            )
        except AppError as error:
            apply_errors(form, error)
        else:
            # The same answer whether or not the address already had an account (its owner is mailed).
            flash(SIGNUP_SENT % {"email": services.normalize_email(form.email.data)}, "success")
            return redirect(url_for("accounts.login", next=safe_next(request.args.get("next"), None)))
    status = 422 if request.method == "POST" else 200
    page = render_template("accounts/signup.html", form=form, next=safe_next(request.args.get("next"), None))
    return page, status


@bp.get("/inscription/confirmer/<token>")
def confirm(token):
    try:
        user, newly_confirmed, next_path = services.confirm_email(token)
    except Invalid as error:
        return _bad_link(error.message, again=url_for("accounts.profile"))
    # Back where the resident was when they signed up (the map, the idea in progress), if on this site.
    next_path = safe_next(next_path, None)
    if not newly_confirmed:
        flash(_("Votre adresse e-mail était déjà confirmée."), "info")
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(next_path or url_for("consultations.home"))
        return redirect(url_for("accounts.login", next=next_path))
    if not (current_user.is_authenticated and current_user.id == user.id):
        logout_user()
        sign_in(user)
    flash(
        _("Merci, votre adresse e-mail est confirmée : vous pouvez participer aux concertations."), "success"
    )
    return redirect(next_path or url_for("consultations.home"))


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


@bp.route("/connexion/lien", methods=["GET", "POST"])
@limiter.limit(_limit("SIGNIN_LINK_RATE_LIMIT", "5 per hour"), methods=["POST"])
def signin_link_request():
    """« Recevoir un lien de connexion par e-mail »: the same neutral answer, account or not."""
    next_arg = safe_next(request.args.get("next"), None)
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_arg or url_for("accounts.profile"))
    form = SigninLinkForm()
    if form.validate_on_submit():
        try:
            signin.request_link(form.email.data, next_arg)
        except AppError as error:
            apply_errors(form, error)
        else:
            flash(
                _(
                    "Si un compte confirmé existe pour cette adresse, nous venons d'y envoyer un lien de "
                    "connexion, valable %(minutes)s minutes et une seule fois (pensez à regarder dans les "
                    "courriers indésirables).",
                    minutes=signin.link_minutes(),
                ),
                "success",
            )
            return redirect(url_for("accounts.signin_link_request", next=next_arg))
    status = 422 if request.method == "POST" else 200
    page = render_template(
        "accounts/signin_link.html", form=form, next=next_arg, minutes=signin.link_minutes()
    )
    return page, status


@bp.get("/connexion/lien/<token>")
def signin_link(token):
    """A mailed sign-in link: signs in once, then is spent (a second click is refused)."""
    if request.method == "HEAD":  # link checkers of mail services look before anyone clicks
        return "", 204
    try:
        user, next_path = signin.use_link(token)
    except Invalid as error:
        return _bad_link(error.message, again=url_for("accounts.signin_link_request"))
    except Forbidden as error:
        page = render_template("accounts/bad_link.html", message=error.message, again=None)
        return page, 403
    logout_user()
    sign_in(user, warn=False)
    flash(_("Bonjour %(name)s, vous êtes connecté.", name=user.pseudonym), "success")
    return redirect(safe_next(next_path, url_for("consultations.home")))


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
