"""Merge the web, messaging, IVR, placements, imports, proof and admin branches of the schema.

Revision ID: 0010_merge
Revises: 0003_web, 0004_messaging, 0005_ivr, 0006_placements, 0007_imports, 0008_proof, 0009_admin
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0010_merge"
down_revision: str | Sequence[str] | None = ("0003_web", "0004_messaging", "0005_ivr", "0006_placements", "0007_imports", "0008_proof",
                                                   "0009_admin")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
