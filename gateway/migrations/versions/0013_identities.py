"""identities: WhatsApp user IDs (BSUIDs) and usernames on contacts, links between subjects

Revision ID: 0013_identities
Revises: 0012_contract
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.store.tables import UTCDateTime

revision: str = '0013_identities'
down_revision: str | Sequence[str] | None = '0012_contract'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('contacts') as batch:
        batch.add_column(sa.Column('user_id', sa.String(length=140), nullable=True))
        batch.add_column(sa.Column('username', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('linked', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table('identity_links',
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('a', sa.String(length=64), nullable=False),
    sa.Column('b', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'],
                            name=op.f('fk_identity_links_business_id_businesses')),
    sa.PrimaryKeyConstraint('business_id', 'a', 'b', name=op.f('pk_identity_links'))
    )
    op.create_index('ix_identity_links_b', 'identity_links', ['business_id', 'b'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_identity_links_b', table_name='identity_links')
    op.drop_table('identity_links')
    with op.batch_alter_table('contacts') as batch:
        batch.drop_column('linked')
        batch.drop_column('username')
        batch.drop_column('user_id')
