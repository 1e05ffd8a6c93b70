"""placements

Revision ID: 0006_placements
Revises: 0002_outbox
Create Date: 2026-11-24 16:53:12.959777
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gateway.store.tables import UTCDateTime

revision: str = '0006_placements'
down_revision: str | Sequence[str] | None = '0002_outbox'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('placements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('messages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('retired_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_placements_business_id_businesses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placements')),
    sa.UniqueConstraint('code', name=op.f('uq_placements_code'))
    )
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.create_index('ix_placements_business', ['business_id', 'created_at'], unique=False)

    op.create_table('placement_chats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('conversation_ref', sa.String(length=200), nullable=False),
    sa.Column('first_message_at', UTCDateTime(), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=True),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_placement_chats_business_id_businesses')),
    sa.ForeignKeyConstraint(['placement_id'], ['placements.id'], name=op.f('fk_placement_chats_placement_id_placements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_chats')),
    sa.UniqueConstraint('placement_id', 'conversation_ref', name='uq_placement_chats_conversation')
    )
    with op.batch_alter_table('placement_chats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_chats_business_id'), ['business_id'], unique=False)

    op.create_table('placement_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('via', sa.String(length=4), nullable=False),
    sa.Column('bot', sa.Boolean(), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('referrer', sa.String(length=500), nullable=True),
    sa.Column('ip_hash', sa.String(length=64), nullable=True),
    sa.Column('lang', sa.String(length=8), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_placement_hits_business_id_businesses')),
    sa.ForeignKeyConstraint(['placement_id'], ['placements.id'], name=op.f('fk_placement_hits_placement_id_placements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_hits'))
    )
    with op.batch_alter_table('placement_hits', schema=None) as batch_op:
        batch_op.create_index('ix_placement_hits_placement_at', ['placement_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('placement_hits', schema=None) as batch_op:
        batch_op.drop_index('ix_placement_hits_placement_at')

    op.drop_table('placement_hits')
    with op.batch_alter_table('placement_chats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_chats_business_id'))

    op.drop_table('placement_chats')
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index('ix_placements_business')

    op.drop_table('placements')
