"""entry embeddings: the sentence encoder's vector of each entry version's text, keyed by its content hash
(search by meaning)

Revision ID: 0007_entry_embeddings
Revises: 0008_followed_searches
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_entry_embeddings'
down_revision = '0008_followed_searches'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'entry_embeddings',
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('model', sa.String(length=40), nullable=False),
        sa.Column('vector', sa.LargeBinary(), nullable=False),
        sa.Column('scale', sa.Float(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('content_hash', 'model', name=op.f('pk_entry_embeddings')),
    )


def downgrade() -> None:
    op.drop_table('entry_embeddings')
