"""Reads: a user's notifications, what they follow, their mail preferences."""

from sqlalchemy import text

from app.extensions import db
from app.notifications.mails import localized
from app.notifications.models import KINDS, default_mode

PAGE_SIZE = 50


def list_notifications(user, limit=PAGE_SIZE):
    """The user's latest notifications, newest first (one statement)."""
    rows = db.session.execute(
        text(
            "SELECT id, kind, title, title_values, summary, url, created_at, read_at FROM notifications"
            " WHERE user_id = :u ORDER BY created_at DESC, id DESC LIMIT :limit"
        ),
        {"u": user.id, "limit": limit},
    )
    return [localized(row) for row in rows.mappings()]


def unread_count(user):
    """How many notifications the user has not seen yet."""
    return db.session.scalar(
        text("SELECT count(*) FROM notifications WHERE user_id = :u AND read_at IS NULL"), {"u": user.id}
    )


def list_follows(user, limit=200):
    """What the user follows: explicit follows and, by default, their ideas and the ideas they voted on."""
    rows = db.session.execute(
        text(
            """
WITH own AS (
  SELECT id::text AS key, 'author' AS origin FROM contributions WHERE author_id = :u AND status = 'published'
  UNION ALL
  SELECT v.contribution_id::text, 'vote' FROM votes v WHERE v.user_id = :u
), targets AS (
  SELECT target_type, target_key, origin FROM follows WHERE user_id = :u AND active
  UNION ALL
  SELECT DISTINCT ON (o.key) 'contribution', o.key, o.origin FROM own o
   WHERE NOT EXISTS (SELECT 1 FROM follows f WHERE f.user_id = :u AND f.target_type = 'contribution'
                       AND f.target_key = o.key)
)
SELECT DISTINCT ON (t.target_type, t.target_key) t.target_type, t.target_key, t.origin,
       coalesce(c.title, co.title, q.name) AS label
  FROM targets t
  LEFT JOIN contributions c ON t.target_type = 'contribution' AND c.id::text = t.target_key
                           AND c.status = 'published'
  LEFT JOIN consultations co ON t.target_type = 'consultation' AND co.id::text = t.target_key
  LEFT JOIN qpv q ON t.target_type = 'qpv' AND q.code = t.target_key
 WHERE coalesce(c.title, co.title, q.name) IS NOT NULL
 ORDER BY t.target_type, t.target_key
 LIMIT :limit
"""
        ),
        {"u": user.id, "limit": limit},
    )
    return [dict(row) for row in rows.mappings()]


def follow_states(user, targets):
    """{(type, key): bool} for the given targets: followed explicitly, or by default as author/voter."""
    if user is None or not user.is_authenticated or not targets:
        return {}
    types = [t for t, _k in targets]
    keys = [str(k) for _t, k in targets]
    rows = db.session.execute(
        text(
            """
SELECT w.t, w.k,
       coalesce(f.active,
                w.t = 'contribution' AND (
                  EXISTS (SELECT 1 FROM contributions c WHERE c.id = (CASE WHEN w.t = 'contribution' THEN w.k::int END) AND c.author_id = :u)
                  OR EXISTS (SELECT 1 FROM votes v WHERE v.contribution_id = (CASE WHEN w.t = 'contribution' THEN w.k::int END)
                                 AND v.user_id = :u)))
  FROM unnest(CAST(:types AS text[]), CAST(:keys AS text[])) w(t, k)
  LEFT JOIN follows f ON f.user_id = :u AND f.target_type = w.t AND f.target_key = w.k
"""
        ),
        {"u": user.id, "types": types, "keys": keys},
    )
    return {(t, k): bool(state) for t, k, state in rows}


def preferences(user):
    """[(kind, label, mode)] with each kind's default when the user chose nothing."""
    saved = dict(
        db.session.execute(
            text("SELECT kind, mode FROM notification_preferences WHERE user_id = :u"), {"u": user.id}
        ).all()
    )
    return [(kind, label, saved.get(kind, default_mode(kind))) for kind, (label, _default) in KINDS.items()]
