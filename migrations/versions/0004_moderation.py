"""moderation: append-only audit log, indexes for the flagged tab and the audit filters

Revision ID: 0004
Revises: 0002
"""

from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

# The audit log is append-only: no DELETE, and no UPDATE except the FK's ON DELETE SET NULL
# (a deleted consultation) — enforced by the database, not only by the code.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION moderation_actions_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.consultation_id IS NULL
     AND (NEW.id, NEW.actor_id, NEW.action, NEW.target_type, NEW.target_id, NEW.reason, NEW.created_at)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.actor_id, OLD.action, OLD.target_type, OLD.target_id, OLD.reason, OLD.created_at)
     AND NEW.before IS NOT DISTINCT FROM OLD.before AND NEW.after IS NOT DISTINCT FROM OLD.after THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'moderation_actions is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def upgrade():
    op.execute(APPEND_ONLY)
    op.execute(
        "CREATE TRIGGER moderation_actions_append_only BEFORE UPDATE OR DELETE ON moderation_actions"
        " FOR EACH ROW EXECUTE FUNCTION moderation_actions_append_only()"
    )
    op.execute(
        "CREATE INDEX ix_contributions_flagged ON contributions (consultation_id, created_at)"
        " WHERE flag_count > 0"
    )
    op.execute("CREATE INDEX ix_comments_flagged ON comments (contribution_id) WHERE flag_count > 0")
    op.execute(
        "CREATE INDEX ix_moderation_actions_consultation ON moderation_actions (consultation_id, created_at)"
    )


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_moderation_actions_consultation")
    op.execute("DROP INDEX IF EXISTS ix_comments_flagged")
    op.execute("DROP INDEX IF EXISTS ix_contributions_flagged")
    op.execute("DROP TRIGGER IF EXISTS moderation_actions_append_only ON moderation_actions")
    op.execute("DROP FUNCTION IF EXISTS moderation_actions_append_only()")
