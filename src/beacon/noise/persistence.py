"""The noise tracker inside the pipeline: one tracker per force, decisions written to the store.

The tracker's state lives in memory (bounded by its window); the store holds each message's item
and incident and a row per incident. After a restart `rebuild` replays the window's processed
messages and the supervisors' audited overrides, so decisions carry on where they left off.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from beacon.audit import Action, Actor, append_event
from beacon.noise.decisions import DecisionKind, NoiseDecision, OverrideEvent
from beacon.noise.observation import Observation
from beacon.noise.settings import NoiseSettings
from beacon.noise.supervision import NoiseTracker, rebuild
from beacon.store.tables import Message
from beacon.store.tables_audit import AuditEvent
from beacon.store.tables_noise import IncidentRow

REPEATS = (DecisionKind.SHARE, DecisionKind.NEAR_COPY, DecisionKind.DUPLICATE)
PRIORITY_NAMES = {1: "P1", 2: "P2", 3: "P3", 4: "P4"}


@dataclass(frozen=True)
class NoiseOutcome:
    item_id: int  # the stored message that stands for the item (its first sighting)
    share_of: int | None  # set when this message only repeats that item (and raises no alert)
    incident_id: int
    kind: str
    alert: bool


def observation_key(channel: str, provider_id: str) -> str:
    """Provider ids are unique per channel, and shares point at ids on their own channel."""
    return f"{channel}:{provider_id}"


def observation_of(message: Message, priority: str | None, beat: str | None) -> Observation:
    place = message.place or {}
    channel = message.channel

    def ref(value: str | None) -> str | None:
        return observation_key(channel, value) if value else None

    return Observation(
        message_id=observation_key(channel, message.provider_message_id),
        created_at=message.created_at,
        text=message.text,
        channel=channel,
        author_id=message.author_id,
        shared_of=ref(message.shared_of),
        reply_to=ref(message.reply_to),
        forwarded=_forwarded(message.raw),
        postcode=place.get("postcode"),
        beat=beat,
        lat=place.get("lat"),
        lon=place.get("lon"),
        priority=int(priority[1]) if priority else None,
    )


def _forwarded(raw: Any) -> bool:
    context = raw.get("context") if isinstance(raw, dict) else None
    return bool(isinstance(context, dict) and (context.get("forwarded") or context.get("frequently_forwarded")))


class NoiseService:
    def __init__(self, settings: NoiseSettings | None = None) -> None:
        self._settings = settings or NoiseSettings()
        self._trackers: dict[int, NoiseTracker] = {}
        self._lock = threading.Lock()

    def tracker(self, force_id: int) -> NoiseTracker:
        with self._lock:
            if force_id not in self._trackers:
                self._trackers[force_id] = NoiseTracker(self._settings)
            return self._trackers[force_id]

    # ---- the pipeline stage ------------------------------------------------------------------

    def observe(self, session: Session, message: Message, priority: str | None, beat: str | None) -> NoiseOutcome:
        decision = self.tracker(message.force_id).observe(observation_of(message, priority, beat))
        item = self._record_item(session, message, decision)
        incident = self._record_incident(session, message, decision)
        repeat = decision.kind in REPEATS and not decision.alert and item.id != message.id
        return NoiseOutcome(item.id, item.id if repeat else None, incident.id, decision.kind.value, decision.alert)

    def _record_item(self, session: Session, message: Message, decision: NoiseDecision) -> Message:
        message.item_key = decision.item_id
        session.flush()
        first = session.scalar(
            select(Message)
            .where(Message.force_id == message.force_id, Message.item_key == decision.item_id)
            .order_by(Message.id)
            .limit(1)
        )
        assert first is not None  # at least this message carries the key
        message.item_id = first.id
        first.share_count = decision.item_shares + decision.item_copies
        return first

    def _record_incident(self, session: Session, message: Message, decision: NoiseDecision) -> IncidentRow:
        row = session.scalar(
            select(IncidentRow).where(
                IncidentRow.force_id == message.force_id, IncidentRow.key == decision.incident_id
            )
        )
        if row is None:
            row = IncidentRow(
                force_id=message.force_id, key=decision.incident_id, title=_title(message.text),
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
        session.flush()
        message.incident_id = row.id
        return row

    # ---- supervisors' overrides --------------------------------------------------------------

    def split(self, session: Session, message: Message, actor: Actor, reason: str, now: datetime) -> IncidentRow:
        tracker = self.tracker(message.force_id)
        event = tracker.split(observation_key(message.channel, message.provider_message_id),
                              actor=actor.name, reason=reason, at=now)
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
        tracker = self.tracker(keep.force_id)
        event = tracker.merge(keep.key, absorb.key, actor=actor.name, reason=reason, at=now)
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
            data={"override": _event_data(event)},
        )

    # ---- restart -----------------------------------------------------------------------------

    def rebuild(self, session_factory: sessionmaker[Session], now: datetime) -> int:
        """Replay the window's processed messages and audited overrides into fresh trackers."""
        since = now - 2 * self._settings.window  # two windows: items that began before it too
        with session_factory() as session:
            rows = session.execute(
                select(Message).where(Message.state == "processed", Message.created_at >= since,
                                      Message.direction == "in").order_by(Message.id)
            ).scalars()
            by_force: dict[int, list[Observation]] = {}
            for m in rows:
                beat = (m.triage or {}).get("place", {}) or {}
                by_force.setdefault(m.force_id, []).append(observation_of(m, m.priority, beat.get("beat")))
            overrides = _stored_overrides(session, since)
        with self._lock:
            self._trackers = {
                force_id: rebuild(observations, overrides.get(force_id, []), self._settings)
                for force_id, observations in by_force.items()
            }
        return sum(len(o) for o in by_force.values())


def _event_data(event: OverrideEvent) -> dict[str, Any]:
    return {
        "action": event.action, "actor": event.actor, "at": event.at.isoformat(), "reason": event.reason,
        "message_id": event.message_id, "from_incident": event.from_incident,
        "to_incident": event.to_incident, "after_message_id": event.after_message_id,
    }


def _stored_overrides(session: Session, since: datetime) -> dict[int, list[OverrideEvent]]:
    found: dict[int, list[OverrideEvent]] = {}
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "incident", AuditEvent.at >= since).order_by(AuditEvent.id)
    )
    for row in rows:
        data = (row.data or {}).get("override")
        if data and row.force_id is not None:
            found.setdefault(row.force_id, []).append(
                OverrideEvent(**{**data, "at": datetime.fromisoformat(data["at"])})
            )
    return found


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 120 else line[:117] + "…"
