"""group history (service messages) and order chats that know their request

Revision ID: 0011a
Revises: 0003
Create Date: 2026-12-01 08:30:00

messages.kind ("text" or "service") and messages.system (a service message's action, actor,
target, name, role); chats.request_id (an order chat's request, kept after the customer refuses
the executor), filled in for the order chats that exist.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011a'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='text', nullable=False))
        batch_op.add_column(sa.Column('system', sa.JSON(), nullable=True))
    with op.batch_alter_table('chats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_chats_request_id'), ['request_id'], unique=False)
    op.execute(
        "UPDATE chats SET request_id = (SELECT max(requests.id) FROM requests WHERE requests.chat_id = chats.id) "
        "WHERE chats.type = 'order'"
    )


def downgrade():
    with op.batch_alter_table('chats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chats_request_id'))
        batch_op.drop_column('request_id')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('system')
        batch_op.drop_column('kind')
