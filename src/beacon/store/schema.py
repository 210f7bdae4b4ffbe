"""All table modules, imported together: Alembic and tests see the whole schema from here.

Each capability's tables live in their own `tables_<area>.py`; add its import below.
"""

from beacon.store import tables_access  # noqa: F401
from beacon.store import tables_accounts  # noqa: F401
from beacon.store import tables_audit  # noqa: F401
from beacon.store import tables_casework  # noqa: F401
from beacon.store import tables_channels  # noqa: F401
from beacon.store import tables_desk  # noqa: F401
from beacon.store import tables_guidance  # noqa: F401
from beacon.store import tables_noise  # noqa: F401
from beacon.store import tables_outbox  # noqa: F401
from beacon.store import tables_people  # noqa: F401
from beacon.store import tables_relations  # noqa: F401
from beacon.store import tables_scale  # noqa: F401
from beacon.store.tables import Base

metadata = Base.metadata

# The full-text engines' own structures (migration 0021): SQLite's FTS5 tables and their shadow
# tables, PostgreSQL's expression indexes. They are made by the migration, not by a model.
FULL_TEXT_PREFIXES = ("search_", "ix_search_")


def is_modelled(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's include_name: what comparing the models with the database should look at."""
    return not (type_ in ("table", "index") and name is not None and name.startswith(FULL_TEXT_PREFIXES))
