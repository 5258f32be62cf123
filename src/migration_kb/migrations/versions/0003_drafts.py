"""draft revisions (a rapporteur's draft keeps its own history)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('draft_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_draft_revisions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_draft_revisions_draft_id_drafts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_revisions')),
    sa.UniqueConstraint('draft_id', 'version', name='uq_draft_revisions_draft_version')
    )
    with op.batch_alter_table('draft_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_revisions_draft_id'), ['draft_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('draft_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_revisions_draft_id'))
    op.drop_table('draft_revisions')
