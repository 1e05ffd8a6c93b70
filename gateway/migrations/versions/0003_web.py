"""web confirmations

Revision ID: 0003_web
Revises: 0002_outbox
Create Date: 2026-11-24 16:39:45.558724
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gateway.store.tables import UTCDateTime

revision: str = '0003_web'
down_revision: str | Sequence[str] | None = '0002_outbox'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('web_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('subject_ref', sa.String(length=64), nullable=False),
    sa.Column('pending_event_id', sa.String(length=36), nullable=False),
    sa.Column('topics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('wording_id', sa.String(length=120), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('used_at', UTCDateTime(), nullable=True),
    sa.Column('used_key', sa.String(length=200), nullable=True),
    sa.Column('confirmed_event_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_web_confirmations_business_id_businesses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_confirmations')),
    sa.UniqueConstraint('pending_event_id', name=op.f('uq_web_confirmations_pending_event_id'))
    )
    with op.batch_alter_table('web_confirmations', schema=None) as batch_op:
        batch_op.create_index('ix_web_confirmations_code', ['business_id', 'code'], unique=False)
        batch_op.create_index('uq_web_confirmations_active_code', ['business_id', 'code'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))


def downgrade() -> None:
    with op.batch_alter_table('web_confirmations', schema=None) as batch_op:
        batch_op.drop_index('uq_web_confirmations_active_code', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index('ix_web_confirmations_code')

    op.drop_table('web_confirmations')

