"""The noise tracker inside the pipeline: one tracker per force, decisions written to the store.

The tracker's state lives in memory (bounded by its window); the store holds each message's item
and incident, a row per incident, and the noise log: every step a tracker took, in order. Several
processes (the web server, `beacon worker`s) each hold a tracker per force and keep them in step
through the log: under the force's lock a process first replays the steps others appended, then
makes its own decisions and appends them (noise/log.py). `rebuild` restores trackers from the log
at start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from beacon.audit import Action, Actor, append_event
from beacon.noise import log as noise_log
from beacon.noise.decisions import DecisionKind, NoiseDecision, OverrideEvent
from beacon.noise.holding import held_in
from beacon.noise.log import observation_key
from beacon.noise.settings import NoiseSettings
from beacon.noise.supervision import NoiseTracker
from beacon.noise.tracker import NoiseError
from beacon.store.tables import Message
from beacon.store.tables_noise import IncidentRow, NoiseLogEntry

REPEATS = (DecisionKind.SHARE, DecisionKind.NEAR_COPY, DecisionKind.DUPLICATE)
PRIORITY_NAMES = {1: "P1", 2: "P2", 3: "P3", 4: "P4"}


@dataclass(frozen=True)
class NoiseOutcome:
    item_id: int  # the stored message that stands for the item (its first sighting)
    share_of: int | None  # set when this message only repeats that item (and raises no alert)
    incident_id: int
    kind: str
    alert: bool


@dataclass
class _Tracked:
    tracker: NoiseTracker
    seq: int  # the last noise log step this tracker has taken


class NoiseService:
    """The trackers of one process, kept in step with every other process's through the noise log."""

    def __init__(self, settings: NoiseSettings | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        self._settings = settings or NoiseSettings()
        self._now = now or (lambda: datetime.now(UTC))
        self._trackers: dict[int, _Tracked] = {}
        self._lock = threading.Lock()  # guards the dict; each tracker is guarded by its force lock

    def tracker(self, force_id: int) -> NoiseTracker:
        """This process's tracker for a force as it stands (not caught up: see `hold`)."""
        with self._lock:
            tracked = self._trackers.get(force_id)
        return tracked.tracker if tracked else NoiseTracker(self._settings)

    # ---- keeping in step -------------------------------------------------------------------

    def hold(self, session: Session, force_ids: Iterable[int]) -> None:
        """Take each force's noise lock for this transaction and catch its tracker up.

        Forces are locked in ascending order, so two transactions wanting the same forces cannot
        deadlock; the pipeline holds a batch's forces before its first message. Holding a force
        again in the same transaction costs nothing.
        """
        held = held_in(session, self)
        for force_id in sorted(set(force_ids) - held.forces):
            noise_log.lock_force(session, force_id)
            try:
                self._catch_up(session, force_id)
            except BaseException:
                self.forget({force_id})  # it may have taken some steps of a replay: start afresh
                raise
            held.forces.add(force_id)

    def forget(self, force_ids: set[int]) -> None:
        """Drop trackers a transaction changed but did not commit; the log rebuilds them."""
        with self._lock:
            for force_id in force_ids:
                self._trackers.pop(force_id, None)

    def _catch_up(self, session: Session, force_id: int) -> None:
        cursor = noise_log.last_seq(session, force_id)
        with self._lock:
            tracked = self._trackers.get(force_id)
        if tracked is not None and tracked.seq == cursor:
            return  # nobody else wrote: the usual case with one writer
        if tracked is not None and tracked.seq < cursor and self._replay(session, force_id, tracked):
            return
        rebuilt = self._rebuilt(session, force_id)
        with self._lock:
            self._trackers[force_id] = rebuilt

    def _replay(self, session: Session, force_id: int, tracked: _Tracked) -> bool:
        """Take the steps after the tracker's last one; False when some were pruned (a gap)."""
        for step in noise_log.steps(session, force_id=force_id, after_seq=tracked.seq):
            if step.seq != tracked.seq + 1:
                return False
            _take(tracked.tracker, step)
            tracked.seq = step.seq
        return True

    def _rebuilt(self, session: Session, force_id: int) -> _Tracked:
        tracked = _Tracked(NoiseTracker(self._settings), noise_log.last_seq(session, force_id))
        for step in noise_log.steps(session, force_id=force_id, since=self._since(self._now())):
            _take(tracked.tracker, step)
        return tracked

    def _since(self, now: datetime) -> datetime:
        return now - 2 * self._settings.window  # two windows: items that began before it too

    def _step(self, session: Session, force_id: int) -> _Tracked:
        """The force's tracker, locked and caught up, about to be changed by this transaction."""
        self.hold(session, [force_id])
        held_in(session, self).touched.add(force_id)
        with self._lock:
            tracked = self._trackers.get(force_id)
            if tracked is None:  # caught up to an empty log
                tracked = self._trackers[force_id] = _Tracked(NoiseTracker(self._settings), 0)
        return tracked

    def _append(self, session: Session, force_id: int, tracked: _Tracked, kind: str, at: datetime,
                message_id: int | None, data: dict[str, object]) -> None:
        tracked.seq += 1
        noise_log.append(session, force_id, tracked.seq, kind, at, message_id, data)

    # ---- the pipeline stage ------------------------------------------------------------------

    def observe(self, session: Session, message: Message, priority: str | None, beat: str | None) -> NoiseOutcome:
        decision, step = self.decide(session, message, priority, beat)
        session.add(NoiseLogEntry(**step))
        item = self._record_item(session, message, decision)
        incident = self._record_incident(session, message, decision)
        repeat = decision.kind in REPEATS and not decision.alert and item.id != message.id
        share_of = item.id if repeat else None
        if decision.near_copy_of and not decision.alert:  # an edited copy repeats that post
            sighting = _first_sighting(session, message, decision.near_copy_of)
            share_of = sighting.id if sighting is not None else None
        return NoiseOutcome(item.id, share_of, incident.id, decision.kind.value, decision.alert)

    def decide(self, session: Session, message: Any, priority: str | None,
               beat: str | None) -> tuple[NoiseDecision, dict[str, Any]]:
        """The tracker's decision for a stored message (an ORM `Message` or a row with its
        columns) and the noise log step that records it, for the caller to write: the batch
        write path writes a batch's steps in one statement."""
        tracked = self._step(session, message.force_id)
        forwarded = noise_log.forwarded_in(message.raw)
        decision = tracked.tracker.observe(noise_log.observation_of(message, priority, beat, forwarded))
        tracked.seq += 1
        data = noise_log.observation_data(priority, beat, forwarded)
        step = {"force_id": message.force_id, "seq": tracked.seq, "kind": noise_log.OBSERVATION,
                "at": message.created_at, "message_id": message.id, "data": data or None}
        return decision, step

    def _record_item(self, session: Session, message: Message, decision: NoiseDecision) -> Message:
        """The message standing for the item: this one for a new item, else the item's first
        sighting (the lowest id carrying its key).

        Queried without autoflush: earlier messages were flushed when their savepoints ended, and
        this message's own changes are written once, with the rest of its stages."""
        message.item_key = decision.item_id
        first = message if decision.new_item else _first_sighting(session, message, decision.item_id) or message
        message.item_id = first.id
        first.share_count = decision.item_shares + decision.item_copies
        return first

    def _record_incident(self, session: Session, message: Message, decision: NoiseDecision) -> IncidentRow:
        with session.no_autoflush:  # as for the item: one write of this message, at its end
            row = session.scalar(
                select(IncidentRow).where(
                    IncidentRow.force_id == message.force_id, IncidentRow.key == decision.incident_id
                )
            )
        if row is None:
            row = IncidentRow(
                force_id=message.force_id, key=decision.incident_id, title=incident_title(message.text),
                first_message_id=message.id, first_at=message.created_at, last_at=message.created_at,
            )
            session.add(row)
        row.last_at = max(row.last_at, message.created_at) if row.last_at else message.created_at
        row.messages = decision.incident_messages
        row.reports = decision.incident_reports
        row.reporters = decision.incident_reporters
        row.priority = PRIORITY_NAMES.get(decision.incident_priority or 0)
        row.attention = PRIORITY_NAMES.get(decision.attention or 0)
        row.surging = decision.surging
        if row.id is None:
            session.flush()  # a new incident's id
        message.incident_id = row.id
        return row

    # ---- supervisors' overrides --------------------------------------------------------------

    def split(self, session: Session, message: Message, actor: Actor, reason: str, now: datetime) -> IncidentRow:
        tracked = self._step(session, message.force_id)
        tracker = tracked.tracker
        event = tracker.split(observation_key(message.channel, message.provider_message_id),
                              actor=actor.name, reason=reason, at=now)
        self._append(session, message.force_id, tracked, noise_log.OVERRIDE, now, message.id,
                     noise_log.override_data(event))
        new = self._sync_incident(session, tracker, message.force_id, event.to_incident, message)
        session.execute(
            update(Message)
            .where(Message.force_id == message.force_id, Message.item_key == message.item_key)
            .values(incident_id=new.id)
        )
        self._sync_incident(session, tracker, message.force_id, event.from_incident, None)
        self._audit(session, message.force_id, actor, event, new.id, now)
        return new

    def merge(self, session: Session, keep: IncidentRow, absorb: IncidentRow, actor: Actor, reason: str,
              now: datetime) -> IncidentRow:
        tracked = self._step(session, keep.force_id)
        for row in (keep, absorb):  # read before the lock: a worker may have given it a case since
            session.refresh(row)
        tracker = tracked.tracker
        event = tracker.merge(keep.key, absorb.key, actor=actor.name, reason=reason, at=now)
        self._append(session, keep.force_id, tracked, noise_log.OVERRIDE, now, None, noise_log.override_data(event))
        session.execute(update(Message).where(Message.incident_id == absorb.id).values(incident_id=keep.id))
        absorb.merged_into_id = keep.id
        if keep.case_id is None:
            keep.case_id = absorb.case_id
        self._sync_incident(session, tracker, keep.force_id, keep.key, None)
        self._audit(session, keep.force_id, actor, event, keep.id, now)
        return keep

    def _sync_incident(self, session: Session, tracker: NoiseTracker, force_id: int, key: str,
                       first: Message | None) -> IncidentRow:
        summary = tracker.incident(key)
        row = session.scalar(select(IncidentRow).where(IncidentRow.force_id == force_id, IncidentRow.key == key))
        if row is None:
            assert first is not None
            row = IncidentRow(force_id=force_id, key=key, title=summary.title, first_message_id=first.id,
                              first_at=summary.first_at, last_at=summary.last_at)
            session.add(row)
        row.messages, row.reports, row.reporters = summary.messages, summary.reports, summary.reporters
        row.priority = PRIORITY_NAMES.get(summary.priority or 0)
        row.attention = PRIORITY_NAMES.get(summary.attention or 0)
        row.surging = summary.surging
        session.flush()
        return row

    @staticmethod
    def _audit(session: Session, force_id: int, actor: Actor, event: OverrideEvent, incident_id: int,
               now: datetime) -> None:
        append_event(
            session, actor=actor, action=Action.CHANGED, object_type="incident", object_id=incident_id,
            at=now, force_id=force_id, reason=event.reason,
            data={"override": noise_log.override_data(event)},
        )

    # ---- restart -----------------------------------------------------------------------------

    def rebuild(self, session_factory: sessionmaker[Session], now: datetime) -> int:
        """Replay the noise log's last two windows into fresh trackers (at start, before serving);
        returns how many steps were replayed. Trackers catch up from there under the force lock."""
        with session_factory() as session:
            trackers = {force_id: _Tracked(NoiseTracker(self._settings), seq)
                        for force_id, seq in noise_log.cursors(session).items()}
            replayed = 0
            for step in noise_log.steps(session, since=self._since(now)):
                tracked = trackers.setdefault(step.force_id, _Tracked(NoiseTracker(self._settings), 0))
                _take(tracked.tracker, step)
                tracked.seq = max(tracked.seq, step.seq)  # steps committed after the cursors were read
                replayed += 1
        with self._lock:
            self._trackers = trackers
        return replayed

    def prune(self, session: Session, now: datetime) -> int:
        """Drop log steps older than a rebuild replays; returns how many."""
        return noise_log.prune(session, self._since(now))


def _take(tracker: NoiseTracker, step: noise_log.Step) -> None:
    """Replay one logged step; the decision it leads to is already in the store."""
    if step.observation is not None:
        tracker.observe(step.observation)
    elif step.override is not None:
        try:
            tracker.apply(step.override)
        except NoiseError:
            pass  # its messages left the window (a rebuild): the override no longer matters


def incident_title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 120 else line[:117] + "…"


def _first_sighting(session: Session, message: Message, item_key: str) -> Message | None:
    """The earliest message stored before this one under an item key."""
    with session.no_autoflush:
        return session.scalar(
            select(Message)
            .where(Message.force_id == message.force_id, Message.item_key == item_key,
                   Message.id < message.id)
            .order_by(Message.id)
            .limit(1)
        )
