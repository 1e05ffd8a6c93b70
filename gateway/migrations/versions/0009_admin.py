"""admin login attempts

Revision ID: 0009_admin
Revises: 0002_outbox
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.store.tables import UTCDateTime

revision: str = '0009_admin'
down_revision: str | Sequence[str] | None = '0002_outbox'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('admin_login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=120), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_login_attempts'))
    )
    with op.batch_alter_table('admin_login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_admin_login_attempts_ip_at', ['ip', 'at'], unique=False)
        batch_op.create_index('ix_admin_login_attempts_username_at', ['username', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('admin_login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_login_attempts_username_at')
        batch_op.drop_index('ix_admin_login_attempts_ip_at')

    op.drop_table('admin_login_attempts')
