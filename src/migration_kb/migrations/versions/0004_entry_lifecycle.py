"""entry lifecycle: superseded_by (the entry that replaced it) and verified (when its facts were checked)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('entries') as batch:
        batch.add_column(sa.Column('superseded_by', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('verified', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('entries') as batch:
        batch.drop_column('verified')
        batch.drop_column('superseded_by')
