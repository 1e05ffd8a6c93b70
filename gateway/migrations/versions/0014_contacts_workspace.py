"""contacts workspace: indexes for paging and filtering contacts

Revision ID: 0014_contacts_workspace
Revises: 0013_identities
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.store.tables import UTCDateTime

revision: str = '0014_contacts_workspace'
down_revision: str | Sequence[str] | None = '0013_identities'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every contact's last activity from the ledger: its latest event, else its creation. Stored
# times compare as the times do on both stores (SQLite keeps fixed-width UTC text).
ACTIVITY = """
UPDATE contacts SET
  last_activity_at = COALESCE((SELECT MAX(e.occurred_at) FROM consent_events e
                               WHERE e.contact_id = contacts.id), created_at),
  activity_seq = COALESCE((SELECT MAX(e.seq) FROM consent_events e
                           WHERE e.contact_id = contacts.id), 0)
"""
CHANNELS = """
INSERT INTO contact_facets (business_id, kind, value, contact_id)
SELECT DISTINCT business_id, 'channel', channel, contact_id FROM consent_events
"""
# The placement code of each event as gateway.store.facets.placement_of reads it:
# placement_code, else placement (a code, or an object with a code).
_PLACEMENT = {
    "postgresql": """CASE
      WHEN jsonb_typeof(evidence->'placement_code') IN ('string', 'number')
           AND evidence->>'placement_code' <> '' THEN evidence->>'placement_code'
      WHEN jsonb_typeof(evidence->'placement') IN ('string', 'number')
           THEN NULLIF(evidence->>'placement', '')
      WHEN jsonb_typeof(evidence->'placement'->'code') IN ('string', 'number')
           THEN NULLIF(evidence->'placement'->>'code', '') END""",
    "sqlite": """CASE
      WHEN json_type(evidence, '$.placement_code') IN ('text', 'integer', 'real')
           AND json_extract(evidence, '$.placement_code') <> ''
           THEN CAST(json_extract(evidence, '$.placement_code') AS TEXT)
      WHEN json_type(evidence, '$.placement') IN ('text', 'integer', 'real')
           THEN NULLIF(CAST(json_extract(evidence, '$.placement') AS TEXT), '')
      WHEN json_type(evidence, '$.placement.code') IN ('text', 'integer', 'real')
           THEN NULLIF(CAST(json_extract(evidence, '$.placement.code') AS TEXT), '') END""",
}
PLACEMENTS = """
INSERT INTO contact_facets (business_id, kind, value, contact_id)
SELECT DISTINCT business_id, 'placement', code, contact_id FROM (
  SELECT business_id, contact_id, {code} AS code FROM consent_events) AS placed
WHERE code IS NOT NULL AND length(code) <= 40
"""
EPOCH = "1970-01-01 00:00:00.000000"
ERASED = sa.text("erased_at IS NOT NULL")
LINKED = sa.text("linked")


def upgrade() -> None:
    # Columns added in place (ALTER TABLE), never by copying the table: on SQLite a copy
    # drops the old table, which its foreign keys refuse once other tables refer to it.
    # SQLite adds a NOT NULL column only with a constant default (overwritten below).
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column('contacts', sa.Column('last_activity_at', UTCDateTime(), nullable=not sqlite,
                                        server_default=EPOCH if sqlite else None))
    op.add_column('contacts', sa.Column('activity_seq', sa.BigInteger(), nullable=False,
                                        server_default='0'))
    op.execute(ACTIVITY)
    if not sqlite:
        op.alter_column('contacts', 'last_activity_at', existing_type=UTCDateTime(),
                        nullable=False)
    op.create_index('ix_contacts_activity', 'contacts',
                    ['business_id', 'last_activity_at', 'id'])
    op.create_index('ix_contacts_activity_seq', 'contacts', ['business_id', 'activity_seq'])
    op.create_index('ix_contacts_created', 'contacts', ['business_id', 'created_at', 'id'])
    op.create_index('ix_contacts_erased', 'contacts', ['business_id', 'last_activity_at', 'id'],
                    sqlite_where=ERASED, postgresql_where=ERASED)
    op.create_index('ix_contacts_linked', 'contacts', ['business_id', 'last_activity_at', 'id'],
                    sqlite_where=LINKED, postgresql_where=LINKED)
    op.create_index('ix_consent_state_status', 'consent_state',
                    ['business_id', 'status', 'topic', 'contact_id'])
    op.create_table(
        'contact_facets',
        sa.Column('business_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('value', sa.String(length=40), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['business_id'], ['businesses.id'],
                                name=op.f('fk_contact_facets_business_id_businesses')),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'],
                                name=op.f('fk_contact_facets_contact_id_contacts')),
        sa.PrimaryKeyConstraint('business_id', 'kind', 'value', 'contact_id',
                                name=op.f('pk_contact_facets')))
    op.create_index('ix_contact_facets_contact', 'contact_facets', ['contact_id'])
    op.execute(CHANNELS)
    op.execute(PLACEMENTS.format(code=_PLACEMENT[op.get_bind().dialect.name]))


def downgrade() -> None:
    op.drop_index('ix_contact_facets_contact', table_name='contact_facets')
    op.drop_table('contact_facets')
    op.drop_index('ix_consent_state_status', table_name='consent_state')
    for name in ('ix_contacts_linked', 'ix_contacts_erased', 'ix_contacts_created',
                 'ix_contacts_activity_seq', 'ix_contacts_activity'):
        op.drop_index(name, table_name='contacts')
    op.drop_column('contacts', 'activity_seq')  # ALTER TABLE ... DROP COLUMN (SQLite 3.35+)
    op.drop_column('contacts', 'last_activity_at')
