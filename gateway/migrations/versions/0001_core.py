"""core consent store

Revision ID: 0001_core
Revises: (none)
Create Date: 2026-11-24

Also installs the append-only guard: UPDATE and DELETE on consent_events fail.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gateway.store.tables import UTCDateTime

revision: str = '0001_core'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events "
    "BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END",
    "CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events "
    "BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END",
)
APPEND_ONLY_PG = (
    "CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'consent_events is append-only'; END $$",
    "CREATE TRIGGER consent_events_no_change BEFORE UPDATE OR DELETE ON consent_events "
    "FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()",
    "CREATE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON consent_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION consent_events_append_only()",
)


def _append_only() -> None:
    dialect = op.get_bind().dialect.name
    for statement in APPEND_ONLY_PG if dialect == "postgresql" else APPEND_ONLY_SQLITE:
        op.execute(statement)


def upgrade() -> None:
    op.create_table('businesses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('whatsapp_number', sa.String(length=20), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('languages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('topics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('aliases', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('twilio_numbers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('meta_phone_number_id', sa.String(length=40), nullable=True),
    sa.Column('double_opt_in', sa.Boolean(), nullable=False),
    sa.Column('policy_id', sa.String(length=40), nullable=False),
    sa.Column('opt_out_scope', sa.String(length=20), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_businesses')),
    sa.UniqueConstraint('slug', name=op.f('uq_businesses_slug'))
    )
    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_businesses_meta_phone_number_id'), ['meta_phone_number_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_businesses_whatsapp_number'), ['whatsapp_number'], unique=False)

    op.create_table('admin_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_admin_users_business_id_businesses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_users')),
    sa.UniqueConstraint('username', name=op.f('uq_admin_users_username'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('revoked_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_api_keys_business_id_businesses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix'))
    )
    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('subject_ref', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('wa_id', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('last_inbound_at', UTCDateTime(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('erased_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_contacts_business_id_businesses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('business_id', 'subject_ref', name=op.f('uq_contacts_business_id'))
    )
    op.create_table('ledger_heads',
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_ledger_heads_business_id_businesses')),
    sa.PrimaryKeyConstraint('business_id', name=op.f('pk_ledger_heads'))
    )
    op.create_table('wordings',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_wordings_business_id_businesses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wordings')),
    sa.UniqueConstraint('business_id', 'kind', 'language', 'version', name=op.f('uq_wordings_business_id'))
    )
    op.create_table('consent_events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('subject_ref', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('topics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('all_topics', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('wording_id', sa.String(length=120), nullable=True),
    sa.Column('wording_version', sa.Integer(), nullable=True),
    sa.Column('wording_language', sa.String(length=8), nullable=True),
    sa.Column('wording_sha256', sa.String(length=64), nullable=True),
    sa.Column('policy_id', sa.String(length=40), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('occurred_at', UTCDateTime(), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('personal_digest', sa.String(length=64), nullable=True),
    sa.Column('sender', sa.String(length=40), nullable=True),
    sa.Column('actor', sa.String(length=80), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_consent_events_business_id_businesses')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_consent_events_contact_id_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_events')),
    sa.UniqueConstraint('business_id', 'idempotency_key', name='uq_consent_events_business_key'),
    sa.UniqueConstraint('business_id', 'seq', name='uq_consent_events_business_seq')
    )
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.create_index('ix_consent_events_business_recorded', ['business_id', 'recorded_at'], unique=False)
        batch_op.create_index('ix_consent_events_contact', ['contact_id', 'occurred_at'], unique=False)

    op.create_table('consent_state',
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('occurred_at', UTCDateTime(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_consent_state_business_id_businesses')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_consent_state_contact_id_contacts')),
    sa.PrimaryKeyConstraint('business_id', 'contact_id', 'topic', name=op.f('pk_consent_state'))
    )
    op.create_table('event_personal',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_event_personal_contact_id_contacts')),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_personal'))
    )
    with op.batch_alter_table('event_personal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_personal_contact_id'), ['contact_id'], unique=False)

    _append_only()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS consent_events_no_change ON consent_events")
        op.execute("DROP TRIGGER IF EXISTS consent_events_no_truncate ON consent_events")
        op.execute("DROP FUNCTION IF EXISTS consent_events_append_only()")
    with op.batch_alter_table('event_personal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_personal_contact_id'))

    op.drop_table('event_personal')
    op.drop_table('consent_state')
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_events_contact')
        batch_op.drop_index('ix_consent_events_business_recorded')

    op.drop_table('consent_events')
    op.drop_table('wordings')
    op.drop_table('ledger_heads')
    op.drop_table('contacts')
    op.drop_table('api_keys')
    op.drop_table('admin_users')
    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_businesses_whatsapp_number'))
        batch_op.drop_index(batch_op.f('ix_businesses_meta_phone_number_id'))

    op.drop_table('businesses')
