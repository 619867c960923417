"""Reads on accounts: users, tokens and the personal data export."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

from app.accounts.models import ApiToken, User
from app.extensions import db
from app.territory.models import Qpv

AGE_BAND_LABELS = {
    "moins-de-18": _l("Moins de 18 ans"),
    "18-25": _l("18 à 25 ans"),
    "26-40": _l("26 à 40 ans"),
    "41-60": _l("41 à 60 ans"),
    "61-75": _l("61 à 75 ans"),
    "plus-de-75": _l("Plus de 75 ans"),
}
ROLE_LABELS = {
    "resident": _l("Habitant·e"),
    "facilitator": _l("Animateur·rice d'atelier"),
    "moderator": _l("Modérateur·rice"),
    "urbanist": _l("Urbaniste"),
    "admin": _l("Administrateur·rice"),
}


def get_by_email(email):
    """The live user with this e-mail (case-insensitive), or None."""
    email = (email or "").strip().lower()
    return db.session.scalar(select(User).where(func.lower(User.email) == email, User.deleted_at.is_(None)))


def list_tokens(user):
    """The user's personal API tokens, newest first (active and revoked)."""
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).all()


def qpv_choices():
    """(code, « name — communes ») of the 21 QPV, for the optional « quartier » answer."""
    rows = db.session.scalars(select(Qpv).order_by(Qpv.name)).all()
    return [(q.code, f"{q.name} ({', '.join(c.name for c in q.communes)})") for q in rows]


_EXPORT_SQL = text(
    """
    SELECT
     (SELECT coalesce(json_agg(json_build_object(
        'id', c.id, 'concertation', k.slug, 'concertation_titre', k.title,
        'theme', c.theme_slug, 'titre', c.title, 'texte', c.body, 'statut', c.status,
        'source', c.source, 'qpv', c.qpv_code, 'commune_insee', c.commune_insee,
        'geometrie', ST_AsGeoJSON(c.geom, 6)::json, 'accords', c.agree_count,
        'desaccords', c.disagree_count, 'commentaires', c.comment_count,
        'suite_donnee', c.outcome, 'reponse_officielle', c.official_answer,
        'cree_le', c.created_at, 'publie_le', c.published_at,
        'photos', (SELECT coalesce(json_agg(p.path ORDER BY p.position), '[]'::json)
                   FROM photos p WHERE p.contribution_id = c.id)) ORDER BY c.id), '[]'::json)
      FROM contributions c JOIN consultations k ON k.id = c.consultation_id WHERE c.author_id = :uid),
     (SELECT coalesce(json_agg(json_build_object(
        'contribution', v.contribution_id, 'contribution_titre', c.title,
        'vote', CASE WHEN v.value = 1 THEN 'accord' ELSE 'desaccord' END,
        'cree_le', v.created_at, 'modifie_le', v.updated_at) ORDER BY v.id), '[]'::json)
      FROM votes v JOIN contributions c ON c.id = v.contribution_id WHERE v.user_id = :uid),
     (SELECT coalesce(json_agg(json_build_object(
        'id', m.id, 'contribution', m.contribution_id, 'en_reponse_a', m.parent_id,
        'texte', m.body, 'statut', m.status, 'cree_le', m.created_at) ORDER BY m.id), '[]'::json)
      FROM comments m WHERE m.author_id = :uid),
     (SELECT coalesce(json_agg(json_build_object(
        'contribution', f.contribution_id, 'commentaire', f.comment_id, 'motif', f.reason,
        'details', f.details, 'cree_le', f.created_at) ORDER BY f.id), '[]'::json)
      FROM flags f WHERE f.user_id = :uid)
    """
)


def export_data(user):
    """Everything stored about `user` and written by them, as a JSON-ready dict (RGPD access right)."""
    contributions, votes, comments, flags = db.session.execute(_EXPORT_SQL, {"uid": user.id}).one()
    return {
        "compte": {
            "id": user.id,
            "pseudonyme": user.pseudonym,
            "email": user.email,
            "role": user.role,
            "cree_le": _iso(user.created_at),
            "email_confirme_le": _iso(user.confirmed_at),
            "derniere_connexion": _iso(user.last_login_at),
            "quartier": user.home_qpv_code,
            "tranche_age": user.age_band,
            "langue": user.locale,
            "facile_a_lire": user.easy_read,
            "suspendu_jusqu_au": _iso(user.suspended_until),
            "banni_le": _iso(user.banned_at),
            "motif_moderation": user.suspension_reason,
        },
        "jetons_api": [
            {
                "nom": t.name,
                "cree_le": _iso(t.created_at),
                "derniere_utilisation": _iso(t.last_used_at),
                "revoque_le": _iso(t.revoked_at),
                "expire_le": _iso(t.expires_at),
            }
            for t in list_tokens(user)
        ],
        "contributions": contributions,
        "votes": votes,
        "commentaires": comments,
        "signalements": flags,
    }


def _iso(value):
    return value.isoformat() if value is not None else None
