"""pending versions: a change to a published entry waits here for a second expert; the entry keeps its
published text until then

Revision ID: 0006
Revises: 0005_server_sessions
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005_server_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pending_versions',
        sa.Column('entry_id', sa.String(length=80), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('record', sa.JSON(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('minor', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_pending_versions_entry_id_entries'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_pending_versions_author_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_pending_versions')),
    )


def downgrade() -> None:
    op.drop_table('pending_versions')
