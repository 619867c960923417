"""photos and merges follow visibility: status before a merge, photo look-up by path

Revision ID: 0011_media_merge_visibility
Revises: 0010_job_outbox
Create Date: 2026-12-06 19:40:00

- contributions.status_before_merge: a merged contribution keeps what it was; only one that was
  published before the merge stays readable by the public (its page redirects, its API detail answers).
  Existing merges are filled from the audit log (the `before` snapshot of the merge action); without
  an entry they stay NULL, i.e. not public.
- photos.path / photos.thumb_path indexes: /media/<path> looks the photo up to check its
  contribution's visibility on every request.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_media_merge_visibility"
down_revision = "0010_job_outbox"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("contributions", sa.Column("status_before_merge", sa.String(12), nullable=True))
    op.execute(
        "UPDATE contributions c SET status_before_merge = a.before -> 'source' ->> 'status'"
        " FROM (SELECT DISTINCT ON (target_id) target_id, before FROM moderation_actions"
        "       WHERE action = 'merge' AND target_type = 'contribution' ORDER BY target_id, id DESC) a"
        " WHERE c.status = 'merged' AND a.target_id = c.id"
    )
    op.create_index("ix_photos_path", "photos", ["path"])
    op.create_index("ix_photos_thumb_path", "photos", ["thumb_path"])


def downgrade():
    op.drop_index("ix_photos_thumb_path", table_name="photos")
    op.drop_index("ix_photos_path", table_name="photos")
    op.drop_column("contributions", "status_before_merge")
