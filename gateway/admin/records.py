"""Plain records the dashboard's queries return (``gateway.store.admin_store``): no SQL types
reach the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.core.consent import ConsentEvent


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str  # admin or viewer
    business_id: int | None  # None: every business
    password_hash: str


@dataclass(frozen=True)
class ContactSummary:
    id: int
    subject_ref: str
    phone: str | None  # None once erased
    name: str | None
    created_at: datetime
    erased_at: datetime | None
    last_event_at: datetime | None
    opted_in_topics: int
    user_id: str | None = None  # a WhatsApp user ID, for a contact known without a number
    username: str | None = None  # display only

    @property
    def identifier(self) -> str | None:
        """The number, else the user ID; None once erased."""
        return self.phone or self.user_id


@dataclass(frozen=True)
class ApiKeyInfo:
    id: int
    prefix: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class RecentEvent:
    event: ConsentEvent
    contact_id: int
    name: str | None


@dataclass(frozen=True)
class LoginPicture:
    """Recent sign-in attempts as the throttle sees them."""

    by_user: int  # failures for this username, from anywhere
    by_ip: int  # failures from this address, for any username
    by_pair: int  # failures for this username from this address
    last_user_failure: datetime | None
    known_address: bool  # this address signed in as this user before
