"""The store owns all SQL: engines and migrations (engine), models (tables), queries."""

from gateway.core.subjects import ContactState, TopicState
from gateway.store.consent_store import SqlStore
from gateway.store.engine import Database

__all__ = ["ContactState", "Database", "SqlStore", "TopicState"]
