"""Languages: the language a resident chose (account), the easy-read choice, and each consultation's
easy-read summary (« Facile à lire et à comprendre », FALC).

Revision ID: 0021_locale_falc
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_locale_falc"
down_revision = "0020_address_label"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("locale", sa.String(8), nullable=True))
    op.add_column(
        "users", sa.Column("easy_read", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("consultations", sa.Column("easy_read_summary", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("consultations", "easy_read_summary")
    op.drop_column("users", "easy_read")
    op.drop_column("users", "locale")
