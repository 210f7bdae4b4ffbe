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
