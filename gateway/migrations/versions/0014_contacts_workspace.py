"""contacts workspace: indexes for paging and filtering contacts

Revision ID: 0014_contacts_workspace
Revises: 0013_identities
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0014_contacts_workspace'
down_revision: str | Sequence[str] | None = '0013_identities'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
