"""The weekly digest in set-based SQL: recipients in batches by user id (keyset), never one query each."""

from sqlalchemy import text

from app.extensions import db
from app.notifications.models import KINDS

_MODE = (
    "coalesce((SELECT p.mode FROM notification_preferences p WHERE p.user_id = n.user_id AND p.kind = n.kind),"
    " (SELECT d.mode FROM unnest(CAST(:kinds AS text[]), CAST(:modes AS text[])) d(kind, mode)"
    "   WHERE d.kind = n.kind), 'weekly')"
)
BATCH_USERS = text(
    "SELECT DISTINCT n.user_id FROM notifications n"
    " WHERE n.mailed_at IS NULL AND n.digested_at IS NULL AND n.user_id > :after AND n.created_at < :until"
    " ORDER BY n.user_id LIMIT :batch"
)
ITEMS = text(
    f"""
WITH ranked AS (
  SELECT n.user_id, n.kind, n.title, n.title_values, n.summary, n.url, n.created_at,
         row_number() OVER (PARTITION BY n.user_id ORDER BY n.created_at DESC, n.id DESC) AS rn,
         count(*) OVER (PARTITION BY n.user_id) AS total
    FROM notifications n
   WHERE n.user_id = ANY(:ids) AND n.mailed_at IS NULL AND n.digested_at IS NULL
     AND n.created_at < :until AND {_MODE} = 'weekly'
)
SELECT r.user_id, r.kind, r.title, r.title_values, r.summary, r.url, r.created_at, r.total, u.email,
       u.pseudonym, u.locale
  FROM ranked r JOIN users u ON u.id = r.user_id
 WHERE r.rn <= :per_user AND u.email IS NOT NULL AND u.deleted_at IS NULL
 ORDER BY r.user_id, r.rn
"""
)
MARK = text(
    "UPDATE notifications n SET digested_at = now()"
    " WHERE n.user_id = ANY(:ids) AND n.mailed_at IS NULL AND n.digested_at IS NULL"
    f" AND n.created_at < :until AND {_MODE} IN ('weekly', 'never')"
)


def _defaults():
    return {"kinds": list(KINDS), "modes": [mode for _label, mode in KINDS.values()]}


def batch_user_ids(after, until, batch):
    """The next `batch` user ids (after `after`) that have undelivered notifications."""
    rows = db.session.execute(BATCH_USERS, {"after": after, "until": until, "batch": batch})
    return [row[0] for row in rows]


def digest_items(ids, until, per_user):
    """The weekly-mode notifications of these users, newest first, at most `per_user` each."""
    params = {"ids": ids, "until": until, "per_user": per_user, **_defaults()}
    return db.session.execute(ITEMS, params).mappings().all()


def mark_digested(ids, until):
    """Mark as handled the weekly (and never-mailed) notifications of these users."""
    db.session.execute(MARK, {"ids": ids, "until": until, **_defaults()})
