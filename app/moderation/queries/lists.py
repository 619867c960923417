"""Back-office lists: comments to moderate, the audit log, users."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text

from app.extensions import db

ACTION_LABELS = {
    "approve": "Approbation",
    "reject": "Refus",
    "hide": "Masquage",
    "unhide": "Réaffichage",
    "auto_hide": "Masquage automatique (signalements)",
    "edit": "Correction",
    "merge": "Fusion",
    "answer": "Réponse officielle",
    "suspend": "Suspension",
    "ban": "Bannissement",
    "lift_sanction": "Levée de sanction",
    "set_role": "Changement de rôle",
    "reason_create": "Motif ajouté",
    "reason_update": "Motif modifié",
    "staff_assign": "Affectation à une concertation",
    "staff_unassign": "Fin d'affectation",
    "consultation_create": "Concertation créée",
    "consultation_update": "Concertation modifiée",
    "consultation_status": "Concertation : changement d'état",
    "phase_advance": "Passage à la phase suivante",
    "news_post": "Actualité publiée",
}
COMMENT_TABS = {"flagged": "Signalés", "hidden": "Masqués", "published": "Publiés", "pending": "En attente"}
COMMENT_CONDITIONS = {
    "flagged": "m.flag_count > 0",
    "hidden": "m.status = 'hidden'",
    "published": "m.status = 'published'",
    "pending": "m.status = 'pending'",
}


def _like(value):
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def comment_counts(consultation_id=None):
    """{tab: number of comments}, one statement."""
    columns = ", ".join(
        f"count(*) FILTER (WHERE {cond}) AS {tab}" for tab, cond in COMMENT_CONDITIONS.items()
    )
    where = "c.consultation_id = :cid" if consultation_id else "TRUE"
    sql = f"SELECT {columns} FROM comments m JOIN contributions c ON c.id = m.contribution_id WHERE {where}"
    return dict(db.session.execute(text(sql), {"cid": consultation_id}).mappings().one())


def comment_items(tab="flagged", consultation_id=None, page=1, per_page=50):
    """One page of comments of the tab, newest first, with contribution title, author and open flags."""
    where = "c.consultation_id = :cid" if consultation_id else "TRUE"
    sql = (
        "SELECT m.id, m.body, m.status, m.flag_count, m.moderation_reason, m.created_at,"
        " c.id AS contribution_id, c.title AS contribution_title, co.title AS consultation_title,"
        " u.pseudonym AS author, m.author_id,"
        " (SELECT json_agg(json_build_object('reason', f.reason, 'details', f.details) ORDER BY f.created_at)"
        "  FROM flags f WHERE f.comment_id = m.id AND f.resolved_at IS NULL) AS flags"
        " FROM comments m JOIN contributions c ON c.id = m.contribution_id"
        " JOIN consultations co ON co.id = c.consultation_id LEFT JOIN users u ON u.id = m.author_id"
        f" WHERE {where} AND {COMMENT_CONDITIONS[tab]}"
        " ORDER BY m.flag_count DESC, m.created_at DESC, m.id DESC LIMIT :limit OFFSET :offset"
    )
    params = {"cid": consultation_id, "limit": per_page, "offset": (page - 1) * per_page}
    return db.session.execute(text(sql), params).mappings().all()


@dataclass
class AuditFilters:
    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: int | None = None
    consultation_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    per_page: int = 100


def audit_entries(filters):
    """One page of the audit log (newest first) and whether there is a next page."""
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
    sql = (
        "SELECT a.id, a.action, a.target_type, a.target_id, a.reason, a.before, a.after, a.created_at,"
        " u.pseudonym AS actor, co.title AS consultation_title"
        " FROM moderation_actions a LEFT JOIN users u ON u.id = a.actor_id"
        " LEFT JOIN consultations co ON co.id = a.consultation_id"
        f" WHERE {' AND '.join(clauses)} ORDER BY a.created_at DESC, a.id DESC LIMIT :limit OFFSET :offset"
    )
    params.update(limit=filters.per_page + 1, offset=(filters.page - 1) * filters.per_page)
    rows = db.session.execute(text(sql), params).mappings().all()
    entries = [
        {**row, "changes": audit_changes(row["before"], row["after"])} for row in rows[: filters.per_page]
    ]
    return entries, len(rows) > filters.per_page


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


def users_page(search=None, role=None, sanctioned=False, page=1, per_page=50):
    """Users matching a pseudonym/e-mail search, with their contribution counts by status."""
    clauses, params = ["u.deleted_at IS NULL"], {"limit": per_page + 1, "offset": (page - 1) * per_page}
    if search:
        clauses.append("(u.pseudonym ILIKE :q ESCAPE '\\' OR u.email ILIKE :q ESCAPE '\\')")
        params["q"] = _like(search)
    if role:
        clauses.append("u.role = :role")
        params["role"] = role
    if sanctioned:
        clauses.append("(u.banned_at IS NOT NULL OR u.suspended_until > now())")
    sql = (
        "SELECT u.id, u.pseudonym, u.email, u.role, u.created_at, u.suspended_until, u.banned_at,"
        " u.suspension_reason, (u.banned_at IS NOT NULL OR u.suspended_until > now()) AS sanctioned,"
        " coalesce(s.total, 0) AS contributions, coalesce(s.rejected, 0) AS rejected,"
        " coalesce(s.hidden, 0) AS hidden"
        " FROM users u LEFT JOIN LATERAL (SELECT count(*) AS total,"
        "  count(*) FILTER (WHERE status = 'rejected') AS rejected,"
        "  count(*) FILTER (WHERE status = 'hidden') AS hidden"
        "  FROM contributions c WHERE c.author_id = u.id) s ON TRUE"
        f" WHERE {' AND '.join(clauses)} ORDER BY sanctioned DESC, u.pseudonym LIMIT :limit OFFSET :offset"
    )
    rows = db.session.execute(text(sql), params).mappings().all()
    return rows[:per_page], len(rows) > per_page


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
