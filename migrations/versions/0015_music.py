"""music: tracks, my music, playlists; messages.track_id; users.share_listening

Revision ID: 0015
Revises: 0016 (written on 0003)
Create Date: 2026-12-01 08:30:00

"""
from alembic import op
import sqlalchemy as sa
import app.models.base


revision = '0015'
down_revision = '0014'  # written on '0003'; chained after 0014 (social) when both reached main
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tracks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('artist', sa.String(length=200), nullable=False),
    sa.Column('album', sa.String(length=200), nullable=False),
    sa.Column('search_text', sa.String(length=401), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('cover', sa.String(length=64), nullable=True),
    sa.Column('created_at', app.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stored_name')
    )
    with op.batch_alter_table('tracks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracks_uploader_id'), ['uploader_id'], unique=False)

    op.create_table('music_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('added_at', app.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'track_id', name='uq_music_entries_user_track')
    )
    with op.batch_alter_table('music_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_music_entries_track_id'), ['track_id'], unique=False)

    op.create_table('playlists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('playlists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_playlists_owner_id'), ['owner_id'], unique=False)

    op.create_table('playlist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('playlist_id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['playlist_id'], ['playlists.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('playlist_id', 'position', name='uq_playlist_items_position')
    )
    with op.batch_alter_table('playlist_items', schema=None) as batch_op:
        batch_op.create_index('ix_playlist_items_track_id', ['track_id'], unique=False)

    # Columns are added with ALTER TABLE, never by copying the table (batch mode's way on SQLite): with
    # foreign keys on, dropping the old copy would fire its ON DELETE actions (every reply_to set to NULL,
    # cascades into other tables that reference it).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE messages ADD COLUMN track_id INTEGER REFERENCES tracks (id)')
    else:
        op.add_column('messages', sa.Column('track_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_messages_track_id_tracks', 'messages', 'tracks', ['track_id'], ['id'])
    op.create_index('ix_messages_track_id', 'messages', ['track_id'], unique=False)
    op.add_column('users', sa.Column('share_listening', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    op.drop_index('ix_messages_track_id', table_name='messages')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite >= 3.35 drops a column in place (no table copy, see upgrade)
        op.execute('ALTER TABLE messages DROP COLUMN track_id')
        op.execute('ALTER TABLE users DROP COLUMN share_listening')
    else:
        op.drop_constraint('fk_messages_track_id_tracks', 'messages', type_='foreignkey')
        op.drop_column('messages', 'track_id')
        op.drop_column('users', 'share_listening')
    with op.batch_alter_table('playlist_items', schema=None) as batch_op:
        batch_op.drop_index('ix_playlist_items_track_id')
    op.drop_table('playlist_items')
    with op.batch_alter_table('playlists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_playlists_owner_id'))
    op.drop_table('playlists')
    with op.batch_alter_table('music_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_music_entries_track_id'))
    op.drop_table('music_entries')
    with op.batch_alter_table('tracks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracks_uploader_id'))
    op.drop_table('tracks')
