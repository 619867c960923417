"""The SQL of a follow, shared by the notification services and the statements that embed a default
follow (a vote follows its idea in the vote's own statement, a new idea's author in its INSERT). No
application imports: importable from any feature without a cycle."""

from sqlalchemy import String, cast, column, func, literal_column, select, table, true
from sqlalchemy.dialects.postgresql import insert

_KEY = ("user_id", "target_type", "target_key")  # one follow per user and target
_COLUMNS = (*_KEY, "origin", "active", "created_at")
IDEA = "contribution"  # the target type of an idea
UPSERT_FOLLOW = (
    f"INSERT INTO follows ({', '.join(_COLUMNS)}) VALUES (:u, :t, :k, :origin, :active, now())"
    f" ON CONFLICT ({', '.join(_KEY)}) DO "
)
# Authors and voters follow the idea, unless they stopped following it before (an inactive row).
FOLLOW_BY_DEFAULT_SQL = UPSERT_FOLLOW + "NOTHING"
_FOLLOWS = table("follows", *(column(name) for name in _COLUMNS))


def follow_params(user_id, contribution_id, origin):
    """Parameters of FOLLOW_BY_DEFAULT_SQL for a user following an idea."""
    return {"u": user_id, "t": IDEA, "k": str(contribution_id), "origin": origin, "active": True}


def authors_follow(ideas):
    """A CTE by which the author of each idea of `ideas` (a CTE with `id` and `author_id`, the INSERT
    of new ideas) follows it by default, as FOLLOW_BY_DEFAULT_SQL would."""
    followers = select(
        ideas.c.author_id,
        literal_column(f"'{IDEA}'"),
        cast(ideas.c.id, String),
        literal_column("'author'"),
        true(),
        func.now(),
    ).where(ideas.c.author_id.is_not(None))
    statement = insert(_FOLLOWS).from_select(list(_COLUMNS), followers)
    return statement.on_conflict_do_nothing(index_elements=list(_KEY)).cte("authors_follow")
