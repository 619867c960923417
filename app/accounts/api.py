"""JSON API: /api/me."""

from flask_smorest import Blueprint

from app.accounts.auth import require_login
from app.accounts.schemas import MeSchema

blp = Blueprint("accounts_api", __name__, url_prefix="/api", description="Comptes")


@blp.route("/me")
@blp.response(200, MeSchema)
@blp.alt_response(401, description="Non connecté (ni session, ni jeton valable)")
def me():
    """The signed-in user (session cookie or `Authorization: Bearer <jeton personnel>`)."""
    user = require_login()
    return {
        "id": user.id,
        "pseudonym": user.pseudonym,
        "role": user.role,
        "confirmed": user.confirmed_at is not None,
        "can_post": user.confirmed_at is not None and user.can_post(),
    }
