"""Every stage is idempotent under redelivery: the same ids delivered again through the streams
(a worker killed between commit and acknowledgement, the sweeper, a replayed backlog) change
nothing that any stage wrote."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.bootstrap import Beacon
from beacon.pipeline.worker import Worker
from beacon.store.tables import Case, CaseEntry, Identity, Message, Person
from tests.builders import inbound
from tests.scale.conftest import drain

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SAM = {"id": "+447700900123", "handle": "+447700900123"}
X_ACCOUNT = "@WestBurnPolice"


def _messages(session: Session, *columns: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(select(Message.id, *columns).order_by(Message.id))]


STAGES: dict[str, Callable[[Session], object]] = {
    "triage": lambda s: _messages(s, Message.priority, Message.urgency, Message.categories, Message.triage),
    "noise": lambda s: _messages(s, Message.item_id, Message.share_count),
    "people": lambda s: (_messages(s, Message.person_id),
                         s.execute(select(Person.id)).all(), s.execute(select(Identity.id)).all()),
    "routing": lambda s: _messages(s, Message.disposition, Message.disposition_reason),
    "cases": lambda s: (_messages(s, Message.case_id),
                        s.execute(select(Case.id, Case.reference, Case.priority, Case.status)).all(),
                        s.execute(select(CaseEntry.id, CaseEntry.case_id, CaseEntry.message_id)).all()),
}


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_redelivering_every_message_changes_nothing_a_stage_wrote(
    stage: str, dist_beacon: Beacon, worker: Worker
) -> None:
    accepted = dist_beacon.ingest([
        inbound(text="My bike was stolen", author=SAM),
        inbound(text="Now he has a knife", author=SAM),  # attaches to Sam's case
        inbound(text="Thanks for the great work tonight"),  # closed, no case
        inbound(channel="x", channel_account=X_ACCOUNT, provider_message_id="100",
                author={"id": "1", "handle": X_ACCOUNT}, text="Missing: have you seen Amy? LS8 3QE"),
        *[inbound(channel="x", channel_account=X_ACCOUNT, provider_message_id=f"2{n}",
                  author={"id": f"9{n}"}, text="RT", shared_of="100") for n in range(3)],
    ])
    drain(worker)
    with dist_beacon.read_session_factory() as session:
        before = STAGES[stage](session)
        assert {row[1] for row in _messages(session, Message.state)} == {"processed"}

    dist_beacon.transport.publish([a.message_id for a in accepted])  # everything, again
    assert drain(worker) == len(accepted)

    with dist_beacon.read_session_factory() as session:
        assert STAGES[stage](session) == before
