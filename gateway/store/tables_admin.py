"""Tables of the admin dashboard: failed-login throttling shared by every process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.tables import Base, UTCDateTime


class AdminLoginAttemptRow(Base):
    """One login attempt on /admin/login (kept a day): the rate limit counts failures here,
    so the limit holds across gunicorn workers and hosts, unlike a per-process counter."""

    __tablename__ = "admin_login_attempts"
    __table_args__ = (
        Index("ix_admin_login_attempts_username_at", "username", "at"),
        Index("ix_admin_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(120))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
