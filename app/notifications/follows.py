"""The SQL of a follow, shared by the notification services and the statements that embed a default
follow (a vote follows its idea in the vote's own statement, a new idea's author in its INSERT). No
application imports: importable from any feature without a cycle."""

from sqlalchemy import String, cast, column, func, literal_column, select, table, true
from sqlalchemy.dialects.postgresql import insert

UPSERT_FOLLOW = (
    "INSERT INTO follows (user_id, target_type, target_key, origin, active, created_at)"
    " VALUES (:u, :t, :k, :origin, :active, now())"
    " ON CONFLICT (user_id, target_type, target_key) DO "
)
# Authors and voters follow the idea, unless they stopped following it before (an inactive row).
FOLLOW_BY_DEFAULT_SQL = UPSERT_FOLLOW + "NOTHING"
_KEY = ("user_id", "target_type", "target_key")
_FOLLOWS = table("follows", *(column(name) for name in (*_KEY, "origin", "active", "created_at")))


def follow_params(user_id, contribution_id, origin):
    """Parameters of FOLLOW_BY_DEFAULT_SQL for a user following an idea."""
    return {"u": user_id, "t": "contribution", "k": str(contribution_id), "origin": origin, "active": True}


def authors_follow(ideas):
    """A CTE by which the author of each idea of `ideas` (a CTE with `id` and `author_id`, the INSERT
    of new ideas) follows it by default, as FOLLOW_BY_DEFAULT_SQL would."""
    followers = select(
        ideas.c.author_id,
        literal_column("'contribution'"),
        cast(ideas.c.id, String),
        literal_column("'author'"),
        true(),
        func.now(),
    ).where(ideas.c.author_id.is_not(None))
    statement = insert(_FOLLOWS).from_select([c.name for c in _FOLLOWS.c], followers)
    return statement.on_conflict_do_nothing(index_elements=list(_KEY)).cte("authors_follow")
