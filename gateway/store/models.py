"""Imports every table module so ``Base.metadata`` is complete (Alembic autogenerate).

Add one line here for each new ``gateway/store/tables_<area>.py``.
"""

import gateway.store.tables_imports  # noqa: F401
from gateway.store import tables  # noqa: F401
