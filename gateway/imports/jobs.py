"""Import jobs as the rest of the code sees them, and who may run one (leases).

Pure standard library: the store fills :class:`ImportJob`; the API and CLI render it.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.imports.texts import reason

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
UNFINISHED = (QUEUED, RUNNING)


@dataclass(frozen=True)
class ImportJob:
    id: str
    business_id: int
    status: str
    source: str
    actor: str | None
    filename: str
    path: str
    sha256: str
    size_bytes: int
    encoding: str | None
    columns: tuple[str, ...]
    rows_processed: int
    bytes_processed: int
    recorded: int
    duplicates: int
    failed: int
    error_code: str | None
    error_params: dict[str, Any] | None
    lease_owner: str | None
    lease_until: datetime | None
    created_at: datetime
    started_at: datetime | None
    updated_at: datetime
    finished_at: datetime | None

    @property
    def good(self) -> int:
        """Rows that are in the ledger now: recorded by this job or already before."""
        return self.recorded + self.duplicates

    @property
    def progress(self) -> float:
        if self.status == DONE:
            return 1.0
        return min(1.0, self.bytes_processed / self.size_bytes) if self.size_bytes else 0.0

    def error_message(self, lang: str = "en") -> str | None:
        if not self.error_code:
            return None
        return reason(self.error_code, lang, self.error_params or {})


def new_job_id() -> str:
    return "imp_" + secrets.token_hex(8)


def new_owner() -> str:
    """Who holds a job's lease: host and pid, so a crashed local owner is recognised."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def owner_is_dead(owner: str | None) -> bool:
    """True when ``owner`` was a process on this host that no longer runs (killed, crashed)."""
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another host: only its lease running out frees the job
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
