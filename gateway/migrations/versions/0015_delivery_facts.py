"""delivery facts: platform delivery constraints beside consent

Revision ID: 0015_delivery_facts
Revises: 0014_contacts_workspace
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0015_delivery_facts'
down_revision: str | Sequence[str] | None = '0014_contacts_workspace'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
