"""e-mail language: the language an account's e-mails (post notices) are written in; none means English

Revision ID: 0011_email_language
Revises: 0007_entry_embeddings
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_email_language'
down_revision = '0007_entry_embeddings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_lang', sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_lang')
