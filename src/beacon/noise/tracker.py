"""The streaming noise tracker: one observation at a time, in arrival order, to one decision.

Each message is resolved in this order, cheapest and surest first:
1. a message id already seen is a duplicate delivery: nothing is counted twice;
2. the original of shares seen earlier (a "late original") joins the item they created;
3. a provider reference (shared_of, quote_of, reply_to) to a live item: a share when the text adds
   nothing, otherwise a new item in the referenced item's incident;
4. a copy of a live item: the same words once decoration is gone, or a cut copy (one of the two
   ends in "…" and the other goes on from its sure words: a truncated retweet);
5. a MinHash LSH near-copy (verified by exact Jaccard): a new item in the copied post's incident,
   adding no words to it (items hold copies and shares only);
6. otherwise a new item, clustered into a live incident or starting one.

State older than `settings.window` (by message time) is evicted, so memory is bounded by the
window; `rebuild` replays stored observations and supervisor overrides to restore it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from beacon.noise.clustering import IncidentIndex
from beacon.noise.decisions import AlertReason, DecisionKind, NoiseDecision
from beacon.noise.features import TextFeatures
from beacon.noise.nearcopy import NearCopyIndex
from beacon.noise.normalise import display_text
from beacon.noise.observation import Observation
from beacon.noise.places import UNKNOWN_PLACE, ReportPlace, postcode_district
from beacon.noise.settings import NoiseSettings
from beacon.noise.signatures import Shingles
from beacon.noise.state import Incident, Item, more_urgent

# Text collapse needs this many words, unless the message says it is a share: two people who each
# send "help" are two reports, not one post.
MIN_COPY_WORDS = 4
# A reply, quote or share by reference whose words are at least this much inside the post it
# points at adds nothing: it is a share, not a new report.
REPEAT_CONTAINMENT = 0.7
# Eviction looks at items in slices of the window: finer slices free memory sooner, cost more sorts.
_SLICES_PER_WINDOW = 48


class NoiseError(LookupError):
    """An override names a message or incident the tracker does not hold (evicted or unknown)."""


@dataclass(slots=True)
class _Match:
    kind: DecisionKind
    item: Item | None = None
    link: Incident | None = None
    pending_ref: str | None = None
    similarity: float | None = None
    # The item this text nearly copies: the new item joins its incident, adds no words to it.
    near: Item | None = None


class NoiseStream:
    """The decision core; `beacon.noise.NoiseTracker` adds overrides, summaries and restart."""

    def __init__(self, settings: NoiseSettings | None = None) -> None:
        self.settings = settings or NoiseSettings()
        s = self.settings
        self._near: NearCopyIndex[Item] = NearCopyIndex(s.lsh_bands, s.lsh_rows, s.near_copy_threshold)
        self._clusters = IncidentIndex(s)
        self._by_message: dict[str, Item] = {}
        self._pending: dict[str, Item] = {}
        self._by_text: dict[int, Item] = {}
        # Items by their first PREFIX_WORDS words, to find cut copies; a list when several share them.
        self._by_prefix: dict[int, Item | list[Item]] = {}
        # Items by the time slice they were created (or last found active) in, for eviction.
        self._slices: dict[int, list[Item]] = {}
        self._slice_seconds = max(1.0, s.window.total_seconds() / _SLICES_PER_WINDOW)
        self._live_items = 0
        self._incidents: dict[str, Incident] = {}
        self._aliases: dict[str, str] = {}
        self._watermark: datetime | None = None
        self.last_message_id: str | None = None

    # ---- the stream -------------------------------------------------------------------------

    def observe(self, obs: Observation) -> NoiseDecision:
        """Decide what one message is: a new item, a share or near-copy, or a duplicate delivery."""
        self._advance(obs.created_at)
        self.last_message_id = obs.message_id
        known = self._by_message.get(obs.message_id)
        if known is not None:
            return self._decision(obs, known, DecisionKind.DUPLICATE, False, False, None)
        text = TextFeatures(obs.text)
        match = self._resolve(obs, text)
        if match.item is not None:
            return self._attach(obs, match)
        return self._create(obs, text, match)

    def observe_all(self, observations: Iterable[Observation]) -> Iterator[NoiseDecision]:
        for obs in observations:
            yield self.observe(obs)

    def _resolve(self, obs: Observation, text: TextFeatures) -> _Match:
        late = self._pending.get(obs.message_id)
        if late is not None:
            return _Match(DecisionKind.LATE_ORIGINAL, late)
        if obs.shared_of:
            return self._resolve_share(obs.shared_of, text)
        for ref in (obs.quote_of, obs.reply_to):
            target = self._by_message.get(ref) if ref else None
            if target is not None:
                return self._repeat_or_new(target, text)
        explicit_share = text.share_prefix or obs.forwarded
        item = self._match_text(text, explicit_share)
        if item is None:
            return self._near_or_new(text, DecisionKind.NEW_ITEM)
        kind = DecisionKind.SHARE if explicit_share else DecisionKind.NEAR_COPY
        return _Match(kind, item, similarity=1.0)

    def _resolve_share(self, ref: str, text: TextFeatures) -> _Match:
        target = self._by_message.get(ref) or self._pending.get(ref)
        if target is not None:
            return self._repeat_or_new(target, text)
        # The original is not (yet) here: the share stands for it, found again by text if copied.
        item = self._match_text(text, explicit_share=True)
        if item is None:
            match = self._near_or_new(text, DecisionKind.SHARE)
            match.pending_ref = ref
            return match
        return _Match(DecisionKind.SHARE, item, pending_ref=ref, similarity=1.0)

    def _repeat_or_new(self, target: Item, text: TextFeatures) -> _Match:
        if text.repeats(target.text_key, target.shingle_array, target.truncated, REPEAT_CONTAINMENT):
            return _Match(DecisionKind.SHARE, target)
        # Its own words may be news (a sighting in reply to an appeal): a new item, same incident.
        return _Match(DecisionKind.NEW_ITEM, link=target.incident)

    def _match_text(self, text: TextFeatures, explicit_share: bool) -> Item | None:
        """The live item this text is a copy of: equal words, or one of the two cut short."""
        if text.key is None:
            return None
        if text.words >= MIN_COPY_WORDS or explicit_share:
            exact = self._by_text.get(text.key)
            if exact is not None:
                return exact
        return self._cut_copy(text)

    def _near_or_new(self, text: TextFeatures, kind: DecisionKind) -> _Match:
        """A new item; in the incident of the post it nearly copies (MinHash LSH, verified by
        exact Jaccard), if any: an edited copy or one headline from another outlet is a report
        of its own, but of the same incident, and adds no new words to it."""
        if text.words < MIN_COPY_WORDS:
            return _Match(kind)
        keys = text.band_keys(self._near)  # type: ignore[arg-type]
        near, score = self._near.best_match(text.shingles, keys, _shingles_of)
        if near is None or near.incident is None or not near.incident.alive:
            return _Match(kind)
        return _Match(kind, link=near.incident, similarity=score, near=near)

    def _cut_copy(self, text: TextFeatures) -> Item | None:
        """A live item this text is a cut copy of, or that is a cut copy of this text."""
        if text.prefix_key is None:
            return None
        held = self._by_prefix.get(text.prefix_key)
        if held is None:
            return None
        for item in held if isinstance(held, list) else (held,):
            if (text.truncated or item.truncated) and text.cut_copy_of(item.shingle_array,
                                                                        item.truncated):
                return item
        return None

    # ---- attaching and creating ----------------------------------------------------------------

    def _attach(self, obs: Observation, match: _Match) -> NoiseDecision:
        item = match.item
        assert item is not None and item.incident is not None
        before = item.priority
        if match.kind is DecisionKind.LATE_ORIGINAL:
            self._pending.pop(obs.message_id, None)
            item.pending_ref = None
        elif match.kind is DecisionKind.NEAR_COPY:
            item.copies += 1
        else:
            item.shares += 1
        if match.pending_ref and match.pending_ref not in self._pending:
            self._pending[match.pending_ref] = item
            item.pending_ref = item.pending_ref or match.pending_ref
        self._count(item, obs)
        alert = None
        limit = self.settings.alert_priority
        if obs.priority is not None and obs.priority <= limit and (before is None or before > limit):
            alert = AlertReason.ESCALATED_COPY
        return self._decision(obs, item, match.kind, False, False, alert, match.similarity)

    def _create(self, obs: Observation, text: TextFeatures, match: _Match) -> NoiseDecision:
        near = match.near
        item = self._new_item(obs, text, echo=near is not None)
        if match.kind is DecisionKind.SHARE:
            item.shares += 1
        if match.pending_ref:
            self._pending[match.pending_ref] = item
            item.pending_ref = match.pending_ref
        place = item.place
        incident, is_new_incident = self._choose_incident(obs, item, place, match.link)
        surge_started = self._join(incident, item, obs, place, echo=near is not None)
        self._count(item, obs)
        alert = None
        limit = self.settings.alert_priority
        urgent = obs.priority is not None and obs.priority <= limit
        if urgent and near is None:
            alert = AlertReason.URGENT_REPORT
        elif urgent and near is not None and (near.priority is None or near.priority > limit):
            alert = AlertReason.ESCALATED_COPY  # a near-copy pages only as a copy would
        elif surge_started:
            alert = AlertReason.SURGE
        return self._decision(obs, item, match.kind, True, is_new_incident, alert, match.similarity,
                              near.id if near is not None else None)

    def _new_item(self, obs: Observation, text: TextFeatures, echo: bool) -> Item:
        # A near-copy is neither indexed for near-copies (the post it copies is) nor counted again
        # for clustering (no terms): one headline from forty outlets weighs what one post weighs.
        indexed = not echo and text.words >= MIN_COPY_WORDS
        keys = text.band_keys(self._near) if indexed else None  # type: ignore[arg-type]
        terms = () if echo else text.terms
        item = Item(obs.message_id, obs.created_at, text.key, text.shingles.tobytes(), terms)
        item.author = obs.author_id
        item.place = _place_of(obs)
        item.truncated = text.truncated
        if text.key is not None:
            self._by_text.setdefault(text.key, item)
        if text.prefix_key is not None:
            item.prefix_key = text.prefix_key
            self._add_prefix(item)
        if keys is not None and keys.size:
            item.near_slot = self._near.add(item, keys)
        self._clusters.count_terms(item.terms)
        self._file(item, obs.created_at)
        self._live_items += 1
        return item

    def _choose_incident(self, obs: Observation, item: Item, place: ReportPlace,
                         link: Incident | None) -> tuple[Incident, bool]:
        if link is not None and link.alive:
            return link, False
        found, _score = self._clusters.best_incident(item.terms, place, obs.created_at)
        if found is not None:
            return found, False
        incident = Incident(self._free_incident_id(item.id), display_text(obs.text),
                            obs.message_id, obs.created_at)
        self._incidents[incident.id] = incident
        return incident, True

    def _join(self, incident: Incident, item: Item, obs: Observation, place: ReportPlace,
              echo: bool = False) -> bool:
        """Add a report to an incident; True when this report starts a surge. A near-copy (echo)
        is not an independent reporter and brings no words: it only joins the incident's items."""
        item.incident = incident
        incident.items.append(item)
        if echo:
            return False
        incident.add_terms(item.terms)
        incident.add_reporter(obs.author_id or obs.message_id)
        incident.add_place(place)
        incident.last_report_at = max(incident.last_report_at, obs.created_at)
        self._clusters.index(incident, item.terms)
        return self._note_report(incident, obs)

    def _note_report(self, incident: Incident, obs: Observation) -> bool:
        """Track recent distinct reporters; a surge, once started, stays (it never lowers)."""
        if incident.surging:
            return False  # sticky: recent reports are no longer needed
        recent = incident.recent_reports
        recent.append((obs.created_at, obs.author_id or obs.message_id))
        horizon = incident.last_report_at - self.settings.surge_window
        if recent[0][0] < horizon:
            incident.recent_reports = recent = [entry for entry in recent if entry[0] >= horizon]
        incident.surging = len({who for _, who in recent}) >= self.settings.surge_reporters
        if incident.surging:
            incident.recent_reports = []
        return incident.surging

    def _count(self, item: Item, obs: Observation) -> None:
        incident = item.incident
        assert incident is not None
        item.add_message(obs.message_id)
        self._by_message[obs.message_id] = item
        item.add_account(obs.author_id, obs.audience)
        item.priority = more_urgent(item.priority, obs.priority)
        item.last_at = max(item.last_at, obs.created_at)
        incident.messages += 1
        incident.priority = more_urgent(incident.priority, obs.priority)
        incident.last_at = max(incident.last_at, obs.created_at)

    def _free_incident_id(self, wanted: str) -> str:
        candidate, n = wanted, 1
        while candidate in self._incidents or candidate in self._aliases:
            n += 1
            candidate = f"{wanted}~{n}"
        return candidate

    # ---- decisions and summaries -----------------------------------------------------------------

    def _decision(self, obs: Observation, item: Item, kind: DecisionKind, new_item: bool,
                  new_incident: bool, alert: AlertReason | None,
                  similarity: float | None = None, near_copy_of: str | None = None) -> NoiseDecision:
        incident = item.incident
        assert incident is not None
        return NoiseDecision(
            message_id=obs.message_id, kind=kind, new_item=new_item, item_id=item.id,
            item_shares=item.shares, item_copies=item.copies, item_reach=item.reach,
            item_priority=item.priority, incident_id=incident.id, incident_is_new=new_incident,
            incident_messages=incident.messages, incident_reports=incident.report_count,
            incident_reporters=incident.reporter_count, incident_priority=incident.priority,
            attention=incident.attention(self.settings.surge_floor), surging=incident.surging,
            alert=alert is not None, alert_reason=alert, similarity=similarity,
            near_copy_of=near_copy_of,
        )

    # ---- the window -------------------------------------------------------------------------

    def _advance(self, at: datetime) -> None:
        """Move the clock to the newest message time and evict items idle for a whole window."""
        if self._watermark is not None and at <= self._watermark:
            return
        self._watermark = at
        cutoff = at - self.settings.window
        last_closed = self._slice_of(cutoff) - 1
        for number in sorted(n for n in self._slices if n <= last_closed):
            for item in self._slices.pop(number):
                if not item.alive:
                    continue
                if item.last_at < cutoff:
                    self._evict(item)
                else:  # still active: look at it again a window after its last message
                    self._file(item, item.last_at)

    def _slice_of(self, at: datetime) -> int:
        return int(at.timestamp() // self._slice_seconds)

    def _file(self, item: Item, at: datetime) -> None:
        self._slices.setdefault(self._slice_of(at), []).append(item)

    def _evict(self, item: Item) -> None:
        item.alive = False
        self._live_items -= 1
        for message_id in item.messages():
            if self._by_message.get(message_id) is item:
                del self._by_message[message_id]
        if item.pending_ref and self._pending.get(item.pending_ref) is item:
            del self._pending[item.pending_ref]
        if item.text_key is not None and self._by_text.get(item.text_key) is item:
            del self._by_text[item.text_key]
        if item.prefix_key is not None:
            self._drop_prefix(item)
        if item.near_slot >= 0:
            self._near.remove(item.near_slot)
            item.near_slot = -1
        self._clusters.forget_terms(item.terms)
        if item.incident is not None:
            self._leave(item.incident, item)

    def _add_prefix(self, item: Item) -> None:
        key = item.prefix_key
        assert key is not None
        held = self._by_prefix.get(key)
        if held is None:
            self._by_prefix[key] = item
        elif isinstance(held, list):
            held.append(item)
        else:
            self._by_prefix[key] = [held, item]

    def _drop_prefix(self, item: Item) -> None:
        key = item.prefix_key
        assert key is not None
        held = self._by_prefix.get(key)
        if held is item:
            del self._by_prefix[key]
        elif isinstance(held, list):
            held.remove(item)
            if len(held) == 1:
                self._by_prefix[key] = held[0]

    def _leave(self, incident: Incident, item: Item) -> None:
        incident.items.remove(item)
        incident.remove_terms(item.terms)
        if not incident.items:
            incident.alive = False
            self._incidents.pop(incident.id, None)
            for alias in incident.aliases:
                self._aliases.pop(alias, None)


def _shingles_of(item: Item) -> Shingles:
    return item.shingle_array


def _place_of(obs: Observation) -> ReportPlace:
    point = (obs.lat, obs.lon) if obs.lat is not None and obs.lon is not None else None
    district = postcode_district(obs.postcode)
    if district is None and not obs.beat and point is None:
        return UNKNOWN_PLACE  # most posts: one shared object, not one each
    return ReportPlace(district, obs.beat, point)
