"""Key a chain written before the audit key existed (plain SHA-256), once, when Beacon migrates.

Only while no checkpoint has ever been written: after the first one, the chain is keyed for
good, and a chain that someone later recomputed with plain SHA-256 is not laundered by a restart,
it fails `beacon audit verify`. A plain chain that does not verify is left alone (and so fails
verify too): re-keying it would bless the tampering.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from beacon.audit.checkpoints import read_checkpoints
from beacon.audit.log import GENESIS, canonical, chained_fields
from beacon.audit.seal import AuditSeal
from beacon.store.tables_audit import AuditEvent, AuditHead

log = logging.getLogger(__name__)


def seal_legacy_chain(engine: Engine, session_factory: sessionmaker[Session], seal: AuditSeal) -> int:
    """Re-hash a verified plain chain with the key and sign a first checkpoint; returns rows keyed."""
    if read_checkpoints(seal.checkpoints.directory):
        return 0
    with session_factory.begin() as session:
        first = session.scalar(select(AuditEvent).order_by(AuditEvent.id).limit(1))
        if first is None or not _is_intact_plain_chain([first]):
            return 0  # empty, or already keyed: the usual case, decided on one row
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        if not _is_intact_plain_chain(events):
            return 0
        with _rewrites_allowed(session, engine.dialect.name):
            prev = GENESIS
            for event in events:
                keyed = seal.digest(canonical(prev, chained_fields(event)))
                session.execute(update(AuditEvent).where(AuditEvent.id == event.id)
                                .values(prev_hash=prev, hash=keyed))
                prev = keyed
            session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev))
    seal.checkpoints.write()
    log.warning("audit chain of %d events written before the audit key was keyed with it", len(events))
    return len(events)


def _is_intact_plain_chain(events: list[AuditEvent]) -> bool:
    prev = GENESIS
    for expected_id, event in enumerate(events, start=1):
        plain = hashlib.sha256(canonical(prev, chained_fields(event)).encode()).hexdigest()
        if event.id != expected_id or event.prev_hash != prev or event.hash != plain:
            return False
        prev = event.hash
    return True


@contextmanager
def _rewrites_allowed(session: Session, dialect: str) -> Iterator[None]:
    """Lifts the append-only trigger for this one transaction, and puts it back (on an error the
    whole transaction, the lifting included, rolls back: both databases have transactional DDL)."""
    postgres = dialect == "postgresql"
    if postgres:
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        session.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
    yield
    if postgres:
        session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    else:
        session.execute(text(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END"
        ))
