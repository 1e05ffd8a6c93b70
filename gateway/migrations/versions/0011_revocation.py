"""revocation scope and honour log

Revision ID: 0011_revocation
Revises: 0010_merge
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.store.tables import UTCDateTime

revision: str = '0011_revocation'
down_revision: str | Sequence[str] | None = '0010_merge'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('eligibility_answers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('subject_ref', sa.String(length=64), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('sender', sa.String(length=40), nullable=True),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('answered_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_eligibility_answers_business_id_businesses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_answers'))
    )
    with op.batch_alter_table('eligibility_answers', schema=None) as batch_op:
        batch_op.create_index('ix_eligibility_answers_subject', ['business_id', 'subject_ref', 'answered_at'], unique=False)

    op.create_table('sender_opt_outs',
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('sender', sa.String(length=40), nullable=False),
    sa.Column('occurred_at', UTCDateTime(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_sender_opt_outs_business_id_businesses')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_sender_opt_outs_contact_id_contacts')),
    sa.PrimaryKeyConstraint('business_id', 'contact_id', 'topic', 'sender', name=op.f('pk_sender_opt_outs'))
    )


def downgrade() -> None:
    op.drop_table('sender_opt_outs')
    with op.batch_alter_table('eligibility_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_eligibility_answers_subject')

    op.drop_table('eligibility_answers')
