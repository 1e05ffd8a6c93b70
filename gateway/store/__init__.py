"""The store owns all SQL: engines and migrations (engine), models (tables), queries."""

from gateway.store.consent_store import ContactState, SqlStore, TopicState
from gateway.store.engine import Database

__all__ = ["ContactState", "Database", "SqlStore", "TopicState"]
