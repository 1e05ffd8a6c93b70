"""worker heartbeats: the dashboard can tell when no worker runs the jobs

Revision ID: 0016_worker_heartbeats
Revises: 0015_delivery_facts
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.store.tables import UTCDateTime

revision: str = '0016_worker_heartbeats'
down_revision: str | Sequence[str] | None = '0015_delivery_facts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('worker_heartbeats',
    sa.Column('worker', sa.String(length=120), nullable=False),
    sa.Column('started_at', UTCDateTime(), nullable=False),
    sa.Column('seen_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('worker', name=op.f('pk_worker_heartbeats'))
    )


def downgrade() -> None:
    op.drop_table('worker_heartbeats')
