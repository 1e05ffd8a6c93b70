"""branding and workers: business logos, worker heartbeats

Revision ID: 0016_branding_workers
Revises: 0015_delivery_facts
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0016_branding_workers'
down_revision: str | Sequence[str] | None = '0015_delivery_facts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
