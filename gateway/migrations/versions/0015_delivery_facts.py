"""delivery facts: platform delivery constraints beside consent

Revision ID: 0015_delivery_facts
Revises: 0014_contacts_workspace
Create Date: 2026-12-06

Delivery facts (what failed sends and answered ad chats showed), the platform rules as data
(seeded with the rules in force when this was written, each with its source; operators keep
them current with ``optin-gateway platform-rules``), the contacts' ``delivery_until`` and
In-App Signup ids on placements. See docs/delivery.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gateway.store.tables import UTCDateTime

revision: str = '0015_delivery_facts'
down_revision: str | Sequence[str] | None = '0014_contacts_workspace'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EEA = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
       "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS",
       "LI", "NO")
LIMITS = ("Meta, Per-user marketing template message limits (updated 17 Jun 2026, read from "
          "a mirror: https://nermalcat69.github.io/meta-developer-docs/documentation/"
          "business-messaging/whatsapp/business-phone-numbers/media.html)")
SIGNUP = ("Meta, In-App Signup (3 Jul 2026): https://developers.facebook.com/documentation/"
          "business-messaging/whatsapp/in-app-signup/")
PRICING = ("Meta pricing of 1 Jul 2025 (YCloud changelog); BSP reports of a 1 Oct 2026 change "
           "(chakrahq.com, hello-charles.com): in-window utility charged from then (uncertain)")


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _seed() -> list[dict[str, object]]:
    made = _day("2026-12-06")
    rows: list[dict[str, object]] = [
        {"kind": "not_delivered", "country": "US", "category": "marketing",
         "since": _day("2025-04-01"), "until": None, "source": LIMITS + "; Twilio error 63049",
         "note": "+1 numbers with a US area code; territories with their own region "
                 "(PR, GU, VI...) are not covered: uncertain"},
        {"kind": "free_in_window", "country": "*", "category": "utility",
         "since": _day("2025-07-01"), "until": _day("2026-10-01"), "source": PRICING,
         "note": "utility templates free inside the 24-hour service window"},
    ]
    rows += [{"kind": "no_marketing_limit", "country": c, "category": "marketing",
              "since": _day("2024-02-06"), "until": None, "source": LIMITS,
              "note": "per-user marketing limit not active (business number or user here)"}
             for c in (*EEA, "GB", "JP", "KR")]
    rows += [{"kind": "no_signup", "country": c, "category": None,
              "since": _day("2026-07-03"), "until": None, "source": SIGNUP,
              "note": "In-App Signup not offered (business number or user here)"}
             for c in (*EEA, "GB", "BR", "JP", "KR", "NG", "ZA", "TR")]
    return [{**row, "actor": "migration 0015", "created_at": made} for row in rows]


def upgrade() -> None:
    op.create_table('delivery_facts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('subject_ref', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.String(length=200), nullable=False),
    sa.Column('occurred_at', UTCDateTime(), nullable=False),
    sa.Column('until', UTCDateTime(), nullable=True),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                'postgresql'), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'],
                            name=op.f('fk_delivery_facts_business_id_businesses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_facts')),
    sa.UniqueConstraint('business_id', 'provider', 'source_id', 'kind',
                        name='uq_delivery_facts_source')
    )
    op.create_index('ix_delivery_facts_subject', 'delivery_facts',
                    ['business_id', 'subject_ref', 'until'], unique=False)
    rules = op.create_table('platform_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=True),
    sa.Column('since', UTCDateTime(), nullable=False),
    sa.Column('until', UTCDateTime(), nullable=True),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_rules'))
    )
    op.create_index('ix_platform_rules_kind', 'platform_rules', ['kind', 'country'],
                    unique=False)
    op.bulk_insert(rules, _seed())
    with op.batch_alter_table('contacts') as batch:
        batch.add_column(sa.Column('delivery_until', UTCDateTime(), nullable=True))
    with op.batch_alter_table('placements') as batch:
        batch.add_column(sa.Column('signup_id', sa.String(length=64), nullable=True))
        batch.create_index(batch.f('ix_placements_signup_id'), ['signup_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('placements') as batch:
        batch.drop_index(batch.f('ix_placements_signup_id'))
        batch.drop_column('signup_id')
    with op.batch_alter_table('contacts') as batch:
        batch.drop_column('delivery_until')
    op.drop_index('ix_platform_rules_kind', table_name='platform_rules')
    op.drop_table('platform_rules')
    op.drop_index('ix_delivery_facts_subject', table_name='delivery_facts')
    op.drop_table('delivery_facts')
