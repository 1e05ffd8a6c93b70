"""strict API contract: request fingerprints on events, inline wording versions

Revision ID: 0012_contract
Revises: 0011_revocation
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_contract'
down_revision: str | Sequence[str] | None = '0011_revocation'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('consent_events') as batch:
        batch.add_column(sa.Column('request_sha256', sa.String(length=64), nullable=True))
    with op.batch_alter_table('wordings') as batch:
        batch.add_column(sa.Column('inline', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('wordings') as batch:
        batch.drop_column('inline')
    with op.batch_alter_table('consent_events') as batch:
        batch.drop_column('request_sha256')
