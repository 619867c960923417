"""Set-based SQL: who gets a notification (one INSERT … SELECT per event, never one query per user)."""

import json

from sqlalchemy import text

from app.extensions import db

# Authors and voters follow their ideas by default: a follow row with active = false undoes that.
_OWN = """
  SELECT c.author_id AS user_id, 'author' AS reason, 1 AS rank FROM c
   WHERE c.author_id IS NOT NULL AND c.author_id NOT IN (SELECT user_id FROM stopped)
  UNION ALL
  SELECT v.user_id, 'vote', 2 FROM votes v, c
   WHERE v.contribution_id = c.id AND v.user_id NOT IN (SELECT user_id FROM stopped)
  UNION ALL
"""
_CONTRIBUTION = """
WITH c AS (SELECT id, author_id, consultation_id, qpv_code FROM contributions WHERE id = :subject_id),
stopped AS (SELECT user_id FROM follows
             WHERE target_type = 'contribution' AND target_key = :subject_key AND NOT active),
candidates (user_id, reason, rank) AS (
  {own}
  SELECT f.user_id, 'contribution', 3 FROM follows f
   WHERE f.target_type = 'contribution' AND f.target_key = :subject_key AND f.active
  UNION ALL
  SELECT f.user_id, 'qpv', 4 FROM follows f, c
   WHERE f.target_type = 'qpv' AND f.target_key = c.qpv_code AND f.active
  UNION ALL
  SELECT f.user_id, 'consultation', 5 FROM follows f, c
   WHERE f.target_type = 'consultation' AND f.target_key = c.consultation_id::text AND f.active
)
"""
_CONSULTATION = """
WITH candidates (user_id, reason, rank) AS (
  SELECT f.user_id, 'consultation' AS reason, 1 AS rank FROM follows f
   WHERE f.target_type = 'consultation' AND f.target_key = :subject_key AND f.active
  UNION ALL
  SELECT f.user_id, 'qpv', 2 FROM follows f
    JOIN consultation_qpvs cq ON cq.qpv_code = f.target_key AND cq.consultation_id = :subject_id
   WHERE f.target_type = 'qpv' AND f.active
)
"""
_QPV = """
WITH candidates (user_id, reason, rank) AS (
  SELECT f.user_id, 'qpv' AS reason, 1 AS rank FROM follows f
   WHERE f.target_type = 'qpv' AND f.target_key = :subject_key AND f.active
)
"""
_INSERT = """
, chosen AS (
  SELECT DISTINCT ON (user_id) user_id, reason FROM candidates
   WHERE user_id IS DISTINCT FROM :actor_id ORDER BY user_id, rank
)
INSERT INTO notifications (user_id, kind, event_key, reason, title, title_values, summary, url,
                           contribution_id, consultation_id, created_at)
SELECT ch.user_id, :kind, :event_key, ch.reason, :title, CAST(:title_values AS jsonb), :summary, :url,
       :contribution_id, :consultation_id, now()
  FROM chosen ch JOIN users u ON u.id = ch.user_id AND u.deleted_at IS NULL
ON CONFLICT (user_id, event_key) DO NOTHING
"""


def create_notifications(event):
    """Insert one notification per recipient of `event` (idempotent per event key); the row count."""
    subject_type = event["subject_type"]
    if subject_type == "contribution":
        head = _CONTRIBUTION.format(own=_OWN if event.get("include_own", True) else "")
    elif subject_type == "consultation":
        head = _CONSULTATION
    else:
        head = _QPV
    params = {
        "subject_id": int(event["subject_key"]) if subject_type != "qpv" else None,
        "subject_key": str(event["subject_key"]),
        "actor_id": event.get("actor_id"),
        "kind": event["kind"],
        "event_key": event["event_key"],
        "title": event["title"][:300],
        "title_values": json.dumps(event["title_values"]) if event.get("title_values") else None,
        "summary": event.get("summary") or "",
        "url": event["url"],
        "contribution_id": event.get("contribution_id"),
        "consultation_id": event.get("consultation_id"),
    }
    return db.session.execute(text(head + _INSERT), params).rowcount


PENDING_MAILS = text(
    """
SELECT n.id, n.user_id, n.kind, n.reason, n.title, n.title_values, n.summary, n.url, u.email, u.pseudonym,
       u.locale
  FROM notifications n
  JOIN users u ON u.id = n.user_id
  LEFT JOIN notification_preferences p ON p.user_id = n.user_id AND p.kind = n.kind
 WHERE n.event_key = :event_key AND n.id > :after
   AND n.mailed_at IS NULL AND n.digested_at IS NULL
   AND u.email IS NOT NULL AND u.deleted_at IS NULL
   AND coalesce(p.mode, :default_mode) = 'immediate'
 ORDER BY n.id
 LIMIT :batch
"""
)


def pending_mails(event_key, default_mode, after, batch):
    """The next batch of notifications of one event to mail at once (keyset on id)."""
    params = {"event_key": event_key, "default_mode": default_mode, "after": after, "batch": batch}
    return db.session.execute(PENDING_MAILS, params).mappings().all()


def mark_mailed(ids):
    """Set mailed_at on these notifications (one statement per batch)."""
    db.session.execute(
        text("UPDATE notifications SET mailed_at = now() WHERE id = ANY(:ids)"), {"ids": list(ids)}
    )
