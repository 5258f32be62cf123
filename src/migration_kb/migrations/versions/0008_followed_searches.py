"""followed searches: a user's saved searches, each with a private feed token and an optional e-mail digest

Revision ID: 0008_followed_searches
Revises: 0010_community
"""

import sqlalchemy as sa
from alembic import op

revision = '0008_followed_searches'
down_revision = '0010_community'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'followed_searches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('query', sa.String(length=2000), nullable=False),
        sa.Column('lang', sa.String(length=2), nullable=False),
        sa.Column('feed_token_hash', sa.String(length=64), nullable=True),
        sa.Column('digest', sa.String(length=10), nullable=False),
        sa.Column('seen_through', sa.Integer(), nullable=False),
        sa.Column('period_closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_followed_searches_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_followed_searches')),
        sa.UniqueConstraint('feed_token_hash', name=op.f('uq_followed_searches_feed_token_hash')),
    )
    op.create_index(op.f('ix_followed_searches_user_id'), 'followed_searches', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_followed_searches_user_id'), table_name='followed_searches')
    op.drop_table('followed_searches')
