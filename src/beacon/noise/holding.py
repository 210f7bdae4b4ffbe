"""What a transaction holds of the noise state: the forces it locked and caught up, and the
trackers it changed.

A tracker changed by a transaction that does not commit (a rolled-back savepoint of one failed
message, a failed commit, a rollback) is ahead of the noise log: its owner forgets it, and it is
rebuilt from the log the next time it is needed. Locks end with the transaction, so what it held
is dropped when the outermost transaction ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_KEY = "beacon.noise.held"


class Owner(Protocol):
    def forget(self, force_ids: set[int]) -> None: ...


@dataclass
class Held:
    owner: Owner
    forces: set[int] = field(default_factory=set)  # locked and caught up in this transaction
    touched: set[int] = field(default_factory=set)  # whose tracker this transaction changed
    committed: bool = False


def held_in(session: Session, owner: Owner) -> Held:
    by_owner: dict[int, Held] = session.info.setdefault(_KEY, {})
    held = by_owner.get(id(owner))
    if held is None:
        held = by_owner[id(owner)] = Held(owner)
    return held


def _all_held(session: Session) -> list[Held]:
    return list(session.info.get(_KEY, {}).values())


@event.listens_for(Session, "after_commit")
def _note_commit(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's commit is not durable yet
        for held in _all_held(session):
            held.committed = True


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    # A savepoint rollback may also release advisory locks taken inside it: lock again next time.
    for held in _all_held(session):
        held.owner.forget(held.touched)
        held.touched.clear()
        held.forces.clear()


@event.listens_for(Session, "after_transaction_end")
def _release(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    for held in session.info.pop(_KEY, {}).values():
        if not held.committed:
            held.owner.forget(held.touched)
