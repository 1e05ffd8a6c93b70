"""ivr calls

Revision ID: 0005_ivr
Revises: 0002_outbox
Create Date: 2026-11-24 17:14:56.249201
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gateway.store.tables import UTCDateTime

revision: str = '0005_ivr'
down_revision: str | Sequence[str] | None = '0002_outbox'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ivr_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('subject_ref', sa.String(length=64), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('state', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('finished', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('event_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_ivr_calls_business_id_businesses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ivr_calls')),
    sa.UniqueConstraint('call_sid', name=op.f('uq_ivr_calls_call_sid'))
    )
    with op.batch_alter_table('ivr_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ivr_calls_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ivr_calls_subject_ref'), ['subject_ref'], unique=False)

    op.create_table('ivr_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('twiml', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['ivr_calls.id'], name=op.f('fk_ivr_steps_call_id_ivr_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ivr_steps')),
    sa.UniqueConstraint('call_id', 'n', name='uq_ivr_steps_call_n')
    )
    with op.batch_alter_table('ivr_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ivr_steps_call_id'), ['call_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ivr_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ivr_steps_call_id'))

    op.drop_table('ivr_steps')
    with op.batch_alter_table('ivr_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ivr_calls_subject_ref'))
        batch_op.drop_index(batch_op.f('ix_ivr_calls_business_id'))

    op.drop_table('ivr_calls')
