"""The SQL of a follow, shared by the notification services and the statements that embed a default
follow (a vote follows its idea in the vote's own statement). No application imports: importable
from any feature without a cycle."""

UPSERT_FOLLOW = (
    "INSERT INTO follows (user_id, target_type, target_key, origin, active, created_at)"
    " VALUES (:u, :t, :k, :origin, :active, now())"
    " ON CONFLICT (user_id, target_type, target_key) DO "
)
# Authors and voters follow the idea, unless they stopped following it before (an inactive row).
FOLLOW_BY_DEFAULT_SQL = UPSERT_FOLLOW + "NOTHING"


def follow_params(user_id, contribution_id, origin):
    """Parameters of FOLLOW_BY_DEFAULT_SQL for a user following an idea."""
    return {"u": user_id, "t": "contribution", "k": str(contribution_id), "origin": origin, "active": True}
