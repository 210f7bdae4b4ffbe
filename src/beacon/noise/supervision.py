"""People stay in control: split an item out of its incident, merge two incidents, and read back
the incidents for the inbox. Each change returns an `OverrideEvent` for the audit log; `rebuild`
replays them at the same point in the stream so a restarted tracker respects them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from beacon.noise.decisions import IncidentSummary, OverrideEvent, TimelineEntry
from beacon.noise.observation import Observation
from beacon.noise.places import PlaceSet
from beacon.noise.settings import NoiseSettings
from beacon.noise.state import Incident, Item, more_urgent
from beacon.noise.tracker import NoiseError, NoiseStream

SPLIT, MERGE = "split", "merge"


class NoiseTracker(NoiseStream):
    """The streaming tracker plus supervisor overrides, inbox summaries and restart."""

    # ---- overrides -------------------------------------------------------------------------

    def split(self, message_id: str, *, actor: str, reason: str, at: datetime | None = None,
              incident_id: str | None = None) -> OverrideEvent:
        """Move the item holding `message_id` (the post with its shares) into an incident of its
        own. Its later shares and replies follow it there."""
        _require_who_and_why(actor, reason)
        item = self._item_of(message_id)
        old = item.incident
        assert old is not None
        if len(old.items) == 1:
            raise NoiseError(f"message {message_id} is the only report in incident {old.id}")
        new = Incident(incident_id or self._free_incident_id(f"{item.id}~split"),
                       f"{old.title} (split: {item.id})", item.id, item.first_at)
        self._incidents[new.id] = new
        self._move(item, old, new)
        _recount(old)
        return self._event(SPLIT, actor, at, reason, message_id, old.id, new.id)

    def merge(self, keep_id: str, absorb_id: str, *, actor: str, reason: str,
              at: datetime | None = None) -> OverrideEvent:
        """Fold incident `absorb_id` into `keep_id`; later reports of either join `keep_id`."""
        _require_who_and_why(actor, reason)
        keep, absorb = self._incident(keep_id), self._incident(absorb_id)
        if keep is absorb:
            raise NoiseError(f"incidents {keep_id} and {absorb_id} are already one")
        for item in list(absorb.items):
            self._move(item, absorb, keep)
        keep.messages += absorb.messages  # reports already evicted still count
        keep.set_reporters(keep.reporters | absorb.reporters)
        if absorb.where is not None:
            keep.where = keep.where or PlaceSet()
            keep.where.update(absorb.where)
        keep.surging = keep.surging or absorb.surging
        keep.first_at = min(keep.first_at, absorb.first_at)
        keep.aliases += (absorb.id, *absorb.aliases)
        for alias in keep.aliases:
            self._aliases[alias] = keep.id
        absorb.alive = False
        self._incidents.pop(absorb.id, None)
        return self._event(MERGE, actor, at, reason, None, absorb.id, keep.id)

    def apply(self, event: OverrideEvent) -> None:
        """Replay an audited override (used by `rebuild`)."""
        if event.action == SPLIT and event.message_id:
            self.split(event.message_id, actor=event.actor, reason=event.reason, at=event.at,
                       incident_id=event.to_incident)
        elif event.action == MERGE:
            self.merge(event.to_incident, event.from_incident, actor=event.actor,
                       reason=event.reason, at=event.at)
        else:
            raise NoiseError(f"unknown override {event.action!r}")

    def _move(self, item: Item, old: Incident, new: Incident) -> None:
        self._leave(old, item)
        moved = item.message_count
        old.messages -= moved
        item.incident = new
        new.items.append(item)
        new.add_terms(item.terms)
        new.add_reporter(item.author or item.id)
        new.messages += moved
        new.priority = more_urgent(new.priority, item.priority)
        new.last_report_at = max(new.last_report_at, item.first_at)
        new.last_at = max(new.last_at, item.last_at)
        new.add_place(item.place)
        self._clusters.index(new, item.terms)

    def _event(self, action: str, actor: str, at: datetime | None, reason: str,
               message_id: str | None, from_id: str, to_id: str) -> OverrideEvent:
        return OverrideEvent(action=action, actor=actor, at=at or datetime.now(UTC), reason=reason,
                             message_id=message_id, from_incident=from_id, to_incident=to_id,
                             after_message_id=self.last_message_id)

    def _item_of(self, message_id: str) -> Item:
        item = self._by_message.get(message_id)
        if item is None or item.incident is None:
            raise NoiseError(f"message {message_id} is not in the live window")
        return item

    def _incident(self, incident_id: str) -> Incident:
        incident = self._incidents.get(self._aliases.get(incident_id, incident_id))
        if incident is None:
            raise NoiseError(f"incident {incident_id} is not in the live window")
        return incident

    # ---- reading back ------------------------------------------------------------------------

    def item_of(self, message_id: str) -> str | None:
        item = self._by_message.get(message_id)
        return item.id if item else None

    def incident_of(self, message_id: str) -> str | None:
        item = self._by_message.get(message_id)
        return item.incident.id if item and item.incident else None

    def incident(self, incident_id: str) -> IncidentSummary:
        return self._summary(self._incident(incident_id))

    def incidents(self) -> list[IncidentSummary]:
        """Live incidents for the inbox: most urgent attention first, then most recent."""
        summaries = [self._summary(incident) for incident in self._incidents.values()]
        return sorted(summaries, key=lambda s: (s.attention or 5, -s.last_at.timestamp()))

    def _summary(self, incident: Incident) -> IncidentSummary:
        timeline = tuple(
            TimelineEntry(item.first_at, item.id, item.shares, item.copies, item.priority)
            for item in sorted(incident.items, key=lambda i: i.first_at)
        )
        return IncidentSummary(
            incident_id=incident.id, title=incident.title,
            first_report_id=incident.first_report_id, first_at=incident.first_at,
            last_at=incident.last_at, messages=incident.messages, reports=incident.report_count,
            reporters=incident.reporter_count, places=incident.places,
            priority=incident.priority, attention=incident.attention(self.settings.surge_floor),
            surging=incident.surging, timeline=timeline,
        )

    def stats(self) -> dict[str, int]:
        return {"items": self._live_items, "incidents": len(self._incidents),
                "messages": len(self._by_message), "pending_refs": len(self._pending)}


def rebuild(observations: Iterable[Observation], overrides: Iterable[OverrideEvent] = (),
            settings: NoiseSettings | None = None) -> NoiseTracker:
    """Restore a tracker after a restart from stored messages (arrival order) and the audited
    overrides. Replay at least the last `window` of messages (two windows to also restore items
    that started before it). Overrides whose messages are no longer held are skipped."""
    tracker = NoiseTracker(settings)
    observations = list(observations)
    replayed = {obs.message_id for obs in observations}
    waiting: dict[str | None, list[OverrideEvent]] = {}
    for event in overrides:
        key = event.after_message_id if event.after_message_id in replayed else None
        waiting.setdefault(key, []).append(event)
    _apply_quietly(tracker, waiting.pop(None, []))
    for obs in observations:
        tracker.observe(obs)
        _apply_quietly(tracker, waiting.pop(obs.message_id, []))
    return tracker


def _apply_quietly(tracker: NoiseTracker, events: list[OverrideEvent]) -> None:
    for event in events:
        try:
            tracker.apply(event)
        except NoiseError:
            continue  # its messages left the window: the override no longer matters


def _require_who_and_why(actor: str, reason: str) -> None:
    if not actor.strip() or not reason.strip():
        raise NoiseError("an override needs who made it and why")


def _recount(incident: Incident) -> None:
    """After an item leaves: reporters and priority are recomputed from the items that remain."""
    incident.set_reporters({item.author or item.id for item in incident.items})
    incident.where = None
    for item in incident.items:
        incident.add_place(item.place)
    priority: int | None = None
    for item in incident.items:
        priority = more_urgent(priority, item.priority)
    incident.priority = priority
