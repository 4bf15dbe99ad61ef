"""posts.track_id: a post can carry a track that plays inline

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-01 10:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, never batch mode's table copy on SQLite (see 0015): no foreign key, like
    # messages.track_id's handling on delete, deleting a track clears it from posts in the service.
    op.add_column('posts', sa.Column('track_id', sa.Integer(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite >= 3.35 drops a column in place (no table copy)
        op.execute('ALTER TABLE posts DROP COLUMN track_id')
    else:
        op.drop_column('posts', 'track_id')
