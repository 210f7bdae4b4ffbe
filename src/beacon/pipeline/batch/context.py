"""One batch's working set: the session, the in-memory state, what to write, ids and audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from beacon.audit.bulk import AuditBatch
from beacon.noise.persistence import NoiseOutcome, NoiseService
from beacon.people.normalise import Key
from beacon.people.settings import PeopleSettings
from beacon.pipeline.batch.ids import Ids
from beacon.pipeline.batch.rows import Row
from beacon.pipeline.batch.state import BatchState, CaseState, Record
from beacon.pipeline.batch.writes import Writes
from beacon.routing.policy import Policy
from beacon.triage.result import TriageResult


@dataclass
class Decided:
    """What the stages decided for one message, as they go."""

    row: Row
    triage: TriageResult
    record: dict[str, Any]  # what is stored of the triage (triage_record)
    keys: list[Key] = field(default_factory=list)  # the author's strong keys
    text_keys: list[Key] = field(default_factory=list)  # keys written in the text
    noise: NoiseOutcome | None = None
    incident: Record | None = None
    follow_up: tuple[CaseState, str] | int | None = None  # by reference (case, why), or own case id
    follow_up_known: bool = False
    new_person: bool = False
    new_identity: bool = False
    link_audit: dict[str, object] | None = None  # an automatic link to audit, in its turn


@dataclass
class BatchContext:
    session: Session
    noise: NoiseService
    now: datetime
    policy: Policy | None
    people: PeopleSettings | None
    state: BatchState = field(default_factory=BatchState)
    writes: Writes = field(default_factory=Writes)
    ids: Ids = field(init=False)
    audit: AuditBatch = field(init=False)
    forces: dict[int, str] | None = None  # force id -> case prefix, loaded when a case opens
    teams: dict[tuple[int, str], int] | None = None
    counters: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # (force, day) -> [first, next]

    def __post_init__(self) -> None:
        self.ids = Ids(self.session)
        self.audit = AuditBatch(self.session)
