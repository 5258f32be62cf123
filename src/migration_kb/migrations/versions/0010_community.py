"""the community: searches that found little, questions and comments with their history, followed entries,
calls for practices and the entries answering them, focal points of entries and the contacts sent to them

Revision ID: 0010_community
Revises: 0007_account_email (given as 0006: main's 0007 came first)
"""

import sqlalchemy as sa
from alembic import op

revision = '0010_community'
down_revision = '0007_account_email'  # '0006' as given; chained after main's 0007 once merged
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'search_misses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('query', sa.String(length=500), nullable=False),
        sa.Column('folded', sa.String(length=500), nullable=False),
        sa.Column('lang', sa.String(length=2), nullable=False),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('results', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_misses')),
    )
    op.create_index(op.f('ix_search_misses_folded'), 'search_misses', ['folded'])
    op.create_index(op.f('ix_search_misses_day'), 'search_misses', ['day'])
    op.create_table(
        'posts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('hidden', sa.Boolean(), nullable=False),
        sa.Column('hidden_reason', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('activity_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['parent_id'], ['posts.id'], name=op.f('fk_posts_parent_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_posts_author_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    )
    op.create_index(op.f('ix_posts_subject'), 'posts', ['subject'])
    op.create_index(op.f('ix_posts_parent_id'), 'posts', ['parent_id'])
    op.create_index(op.f('ix_posts_author_id'), 'posts', ['author_id'])
    op.create_table(
        'post_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_events_post_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_post_events_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_post_events')),
    )
    op.create_index(op.f('ix_post_events_post_id'), 'post_events', ['post_id'])
    op.create_table(
        'entry_follows',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_entry_follows_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_entry_follows_entry_id_entries'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'entry_id', name=op.f('pk_entry_follows')),
    )
    op.create_table(
        'calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('themes', sa.JSON(), nullable=False),
        sa.Column('topics', sa.JSON(), nullable=False),
        sa.Column('blocs', sa.JSON(), nullable=False),
        sa.Column('criteria', sa.Text(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('opened_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['opened_by'], ['users.id'], name=op.f('fk_calls_opened_by_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
    )
    op.create_index(op.f('ix_calls_deadline'), 'calls', ['deadline'])
    op.create_table(
        'call_responses',
        sa.Column('entry_id', sa.String(length=80), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_call_responses_entry_id_entries'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_responses_call_id_calls'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_call_responses')),
    )
    op.create_index(op.f('ix_call_responses_call_id'), 'call_responses', ['call_id'])
    op.create_table(
        'contacts_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.Integer(), nullable=True),
        sa.Column('entry_id', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_contacts_sent_sender_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts_sent')),
    )
    op.create_index(op.f('ix_contacts_sent_sender_id'), 'contacts_sent', ['sender_id'])
    op.create_index(op.f('ix_contacts_sent_created_at'), 'contacts_sent', ['created_at'])
    with op.batch_alter_table('entries') as batch:
        batch.add_column(sa.Column('focal_point', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('entries') as batch:
        batch.drop_column('focal_point')
    for table in ('contacts_sent', 'call_responses', 'calls', 'entry_follows', 'post_events', 'posts',
                  'search_misses'):
        op.drop_table(table)
