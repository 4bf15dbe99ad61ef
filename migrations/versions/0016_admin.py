"""site administrators, bans, deleted accounts, the admin audit log

Revision ID: 0016
Revises: 0003
Create Date: 2026-12-01 08:30:00

"""
from alembic import op
import sqlalchemy as sa
import app.models.base


revision = '0016'
down_revision = '0011b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('banned_at', app.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('banned_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', app.models.base.UTCDateTime(), nullable=True))

    op.create_table('admin_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['target_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('admin_actions', schema=None) as batch_op:
        batch_op.create_index('ix_admin_actions_target_id', ['target_id'], unique=False)


def downgrade():
    with op.batch_alter_table('admin_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_actions_target_id')
    op.drop_table('admin_actions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('banned_reason')
        batch_op.drop_column('banned_at')
        batch_op.drop_column('is_admin')
