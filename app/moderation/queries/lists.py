"""Back-office lists: comments to moderate, the audit log, users."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from app import keyset
from app.extensions import db
from app.keyset import COUNT_CAP

ACTION_LABELS = {
    "approve": _l("Approbation"),
    "reject": _l("Refus"),
    "hide": _l("Masquage"),
    "unhide": _l("Réaffichage"),
    "auto_hide": _l("Masquage automatique (signalements)"),
    "edit": _l("Correction"),
    "merge": _l("Fusion"),
    "answer": _l("Réponse officielle"),
    "review": _l("Vu, rien à signaler"),
    "undo": _l("Annulation d'une décision"),
    "suspend": _l("Suspension"),
    "ban": _l("Bannissement"),
    "lift_sanction": _l("Levée de sanction"),
    "set_role": _l("Changement de rôle"),
    "reason_create": _l("Motif ajouté"),
    "reason_update": _l("Motif modifié"),
    "staff_assign": _l("Affectation à une concertation"),
    "staff_unassign": _l("Fin d'affectation"),
    "consultation_create": _l("Concertation créée"),
    "consultation_update": _l("Concertation modifiée"),
    "consultation_status": _l("Concertation : changement d'état"),
    "phase_advance": _l("Passage à la phase suivante"),
    "news_post": _l("Actualité publiée"),
    "signin_link_sent": _l("Lien de connexion envoyé"),
    "signin_link_used": _l("Connexion par lien e-mail"),
}
COMMENT_TABS = {
    "flagged": _l("Signalés"),
    "hidden": _l("Masqués"),
    "published": _l("Publiés"),
    "pending": _l("En attente"),
}
COMMENT_CONDITIONS = {
    "flagged": "m.flag_count > 0",
    "hidden": "m.status = 'hidden'",
    "published": "m.status = 'published'",
    "pending": "m.status = 'pending'",
}


def _like(value):
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _comment_where(consultation_id, allowed_ids):
    where = "c.consultation_id = :cid" if consultation_id else "TRUE"
    if allowed_ids is not None:
        where += " AND c.consultation_id = ANY(CAST(:allowed_ids AS integer[]))"
    return where


def comment_counts(consultation_id=None, allowed_ids=None):
    """{tab: number of comments}, capped at COUNT_CAP + 1 (each tab reads at most that much of its index);
    only in the consultations of `allowed_ids` when given."""
    where = _comment_where(consultation_id, allowed_ids)
    columns = ", ".join(
        f"(SELECT count(*) FROM (SELECT 1 FROM comments m JOIN contributions c ON c.id = m.contribution_id"
        f" WHERE {where} AND {cond} LIMIT :cap) x) AS {tab}"
        for tab, cond in COMMENT_CONDITIONS.items()
    )
    params = {"cid": consultation_id, "cap": COUNT_CAP + 1, "allowed_ids": _ids(allowed_ids)}
    return dict(db.session.execute(text(f"SELECT {columns}"), params).mappings().one())


def comment_keys(tab):
    """SQL key columns of a comment tab (flagged: most flagged first) and their cursor converters."""
    if tab == "flagged":
        return ("m.flag_count", "m.created_at", "m.id"), (keyset.integer, keyset.timestamp, keyset.integer)
    return ("m.created_at", "m.id"), (keyset.timestamp, keyset.integer)


def _ids(allowed_ids):
    return None if allowed_ids is None else list(allowed_ids)


def comment_items(
    tab="flagged", consultation_id=None, after=None, before=None, per_page=50, allowed_ids=None
):
    """One page of comments of the tab, newest first (keyset), with contribution, author and open flags;
    returns (rows, next cursor, previous cursor)."""
    where = _comment_where(consultation_id, allowed_ids)
    columns, _ = comment_keys(tab)
    condition, order, keys, _ = keyset.sql_order(columns, True, after, before)
    sql = (
        "SELECT m.id, m.body, m.status, m.flag_count, m.moderation_reason, m.created_at,"
        " c.id AS contribution_id, c.title AS contribution_title, co.title AS consultation_title,"
        " u.pseudonym AS author, m.author_id,"
        " (SELECT json_agg(json_build_object('reason', f.reason, 'details', f.details) ORDER BY f.created_at)"
        "  FROM flags f WHERE f.comment_id = m.id AND f.resolved_at IS NULL) AS flags"
        " FROM comments m JOIN contributions c ON c.id = m.contribution_id"
        " JOIN consultations co ON co.id = c.consultation_id LEFT JOIN users u ON u.id = m.author_id"
        f" WHERE {where} AND {COMMENT_CONDITIONS[tab]} AND {condition} ORDER BY {order} LIMIT :limit"
    )
    params = {"cid": consultation_id, "limit": per_page + 1, "allowed_ids": _ids(allowed_ids), **keys}
    rows = db.session.execute(text(sql), params).mappings().all()
    names = [column.split(".")[1] for column in columns]
    return keyset.page_of(
        rows, per_page, f"comments-{tab}", lambda r: tuple(r[n] for n in names), after, before
    )


@dataclass
class AuditFilters:
    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: int | None = None
    consultation_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    after: tuple | None = None  # keyset cursors (created_at, id), decoded
    before: tuple | None = None
    per_page: int = 100


def audit_entries(filters):
    """One page of the audit log (newest first, keyset on created_at, id), and its next and previous cursors."""
    clauses, params = ["TRUE"], {}
    simple = {
        "action": "a.action = :action",
        "target_type": "a.target_type = :target_type",
        "target_id": "a.target_id = :target_id",
        "consultation_id": "a.consultation_id = :consultation_id",
    }
    for name, clause in simple.items():
        if getattr(filters, name):
            clauses.append(clause)
            params[name] = getattr(filters, name)
    if filters.actor:
        clauses.append("u.pseudonym ILIKE :actor ESCAPE '\\'")
        params["actor"] = _like(filters.actor)
    if filters.date_from:
        clauses.append("a.created_at >= (CAST(:date_from AS date)::timestamp AT TIME ZONE 'Europe/Paris')")
        params["date_from"] = filters.date_from
    if filters.date_to:
        clauses.append("a.created_at < ((CAST(:date_to AS date) + 1)::timestamp AT TIME ZONE 'Europe/Paris')")
        params["date_to"] = filters.date_to
    condition, order, keys, _ = keyset.sql_order(
        ("a.created_at", "a.id"), True, filters.after, filters.before
    )
    clauses.append(condition)
    sql = (
        "SELECT a.id, a.action, a.target_type, a.target_id, a.reason, a.before, a.after, a.created_at,"
        " u.pseudonym AS actor, co.title AS consultation_title"
        " FROM moderation_actions a LEFT JOIN users u ON u.id = a.actor_id"
        " LEFT JOIN consultations co ON co.id = a.consultation_id"
        f" WHERE {' AND '.join(clauses)} ORDER BY {order} LIMIT :limit"
    )
    params.update(keys, limit=filters.per_page + 1)
    rows = db.session.execute(text(sql), params).mappings().all()
    rows, following, preceding = keyset.page_of(
        rows, filters.per_page, "audit", lambda r: (r["created_at"], r["id"]), filters.after, filters.before
    )
    entries = [{**row, "changes": audit_changes(row["before"], row["after"])} for row in rows]
    return entries, following, preceding


def decode_audit_cursor(cursor):
    """(created_at, id) of a journal cursor, or Invalid."""
    return keyset.decode(cursor, "audit", (keyset.timestamp, keyset.integer))


def audit_changes(before, after, prefix=""):
    """[(field, before, after)] for the fields an action changed (one level of nesting: merges)."""
    before, after = before or {}, after or {}
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) or isinstance(new, dict):
            changes.extend(audit_changes(old, new, f"{prefix}{key}."))
        elif old != new:
            changes.append((f"{prefix}{key}", _short(old), _short(new)))
    return changes


def _short(value):
    text = value if isinstance(value, str) else value
    if isinstance(text, str) and len(text) > 80:
        return text[:79] + "…"
    return text


def users_page(search=None, role=None, sanctioned=False, after=None, before=None, per_page=50):
    """Users matching a pseudonym/e-mail search (trigram indexes), by pseudonym (keyset), with their
    contribution counts by status for the page's rows only; returns (rows, next, previous cursors)."""
    clauses, params = ["u.deleted_at IS NULL"], {"limit": per_page + 1}
    if search:
        clauses.append("(u.pseudonym ILIKE :q ESCAPE '\\' OR u.email ILIKE :q ESCAPE '\\')")
        params["q"] = _like(search)
    if role:
        clauses.append("u.role = :role")
        params["role"] = role
    if sanctioned:  # the partial index ix_users_sanctioned, then the time test
        clauses.append("(u.banned_at IS NOT NULL OR u.suspended_until IS NOT NULL)")
        clauses.append("(u.banned_at IS NOT NULL OR u.suspended_until > now())")
    condition, order, keys, _ = keyset.sql_order(("u.pseudonym",), False, after, before)
    clauses.append(condition)
    params.update(keys)
    sql = (
        "SELECT p.*, coalesce(s.total, 0) AS contributions, coalesce(s.rejected, 0) AS rejected,"
        " coalesce(s.hidden, 0) AS hidden FROM ("
        " SELECT u.id, u.pseudonym, u.email, u.role, u.created_at, u.suspended_until, u.banned_at,"
        " u.suspension_reason, (u.banned_at IS NOT NULL OR u.suspended_until > now()) AS sanctioned"
        f" FROM users u WHERE {' AND '.join(clauses)} ORDER BY {order} LIMIT :limit) p"
        " LEFT JOIN LATERAL (SELECT count(*) AS total,"
        "  count(*) FILTER (WHERE status = 'rejected') AS rejected,"
        "  count(*) FILTER (WHERE status = 'hidden') AS hidden"
        "  FROM contributions c WHERE c.author_id = p.id) s ON TRUE"
        f" ORDER BY {order.replace('u.', 'p.')}"
    )
    rows = db.session.execute(text(sql), params).mappings().all()
    return keyset.page_of(rows, per_page, "users", lambda r: (r["pseudonym"],), after, before)


def decode_users_cursor(cursor):
    """(pseudonym,) of a users-list cursor, or Invalid."""
    return keyset.decode(cursor, "users", (keyset.text,))


def action_names():
    """Distinct action names present in the audit log (for the filter)."""
    return (
        db.session.execute(text("SELECT DISTINCT action FROM moderation_actions ORDER BY action"))
        .scalars()
        .all()
    )


def user_contributions(user_id, limit=20):
    """The latest contributions of a user, any status."""
    sql = (
        "SELECT c.id, c.title, c.status, c.created_at, co.title AS consultation_title FROM contributions c"
        " JOIN consultations co ON co.id = c.consultation_id WHERE c.author_id = :id"
        " ORDER BY c.created_at DESC, c.id DESC LIMIT :limit"
    )
    return db.session.execute(text(sql), {"id": user_id, "limit": limit}).mappings().all()
