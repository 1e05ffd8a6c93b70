"""Imports every table module so ``Base.metadata`` is complete (Alembic autogenerate).

Add one line here for each new ``gateway/store/tables_<area>.py``.
"""

from gateway.store import (
    tables,  # noqa: F401
    tables_admin,  # noqa: F401
    tables_delivery,  # noqa: F401
    tables_imports,  # noqa: F401
    tables_ivr,  # noqa: F401
    tables_messaging,  # noqa: F401
    tables_placements,  # noqa: F401
    tables_proof,  # noqa: F401
    tables_web,  # noqa: F401
    tables_workers,  # noqa: F401
)
