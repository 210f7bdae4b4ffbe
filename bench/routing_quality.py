"""Routing quality on the bundled night: persons, cases and dispositions against the truth.

Replays the shipped demo night (`beacon.scenario.DEMO_MESSAGES`, 450 messages) through a fresh
SQLite Beacon with the REAL triage engine, then compares with the generator's truth:

- cases opened against the truth's distinct cases (what a person would open);
- person links, pairwise: two messages given one person (precision) / two messages of one human
  (recall); also with every candidate match confirmed, as a handler would after checking;
- case attachments, pairwise: two messages put in one case / two messages that belong in one;
- disposition accuracy (close, share, monitor, case) with the confusion;
- in the same run, the baseline "today's systems": one person per channel identity, one case
  per identity (and one case per message) for the same messages.

    .venv/bin/python bench/routing_quality.py [--batch 50]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from collections.abc import Hashable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from beacon.bootstrap import bootstrap
from beacon.clock import FakeClock
from beacon.config import Settings
from beacon.messages import InboundMessage
from beacon.scenario import DEMO_MESSAGES, DEMO_TRUTH, read_jsonl
from beacon.store.tables import Message
from beacon.store.tables_people import PersonCandidate

Key = tuple[str, str]  # (channel_account, provider_message_id)


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(predicted: Sequence[Hashable | None], truth: Sequence[Hashable | None]) -> tuple[float, float, int, int]:
    """Precision and recall of 'same group' pairs; None is a group of its own (no pairs)."""
    both = Counter((p, t) for p, t in zip(predicted, truth) if p is not None and t is not None)
    pred = Counter(p for p in predicted if p is not None)
    true = Counter(t for t in truth if t is not None)
    hits = sum(pairs(n) for n in both.values())
    pred_pairs, true_pairs = sum(pairs(n) for n in pred.values()), sum(pairs(n) for n in true.values())
    precision = hits / pred_pairs if pred_pairs else 1.0
    recall = hits / true_pairs if true_pairs else 1.0
    return precision, recall, pred_pairs, true_pairs


def replay(batch: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[Key, Message], dict[int, int], float]:
    messages, truth = list(read_jsonl(DEMO_MESSAGES)), list(read_jsonl(DEMO_TRUTH))
    folder = Path(tempfile.mkdtemp(prefix="beacon-routing-"))
    settings = Settings(database_url=f"sqlite:///{folder / 'beacon.db'}", var_dir=folder, secret_key="bench")
    beacon = bootstrap(settings, clock=FakeClock(datetime(2025, 11, 15, 7, 0, tzinfo=UTC)))
    beacon.prepare_database()
    inbound = [InboundMessage.model_validate(m) for m in messages]
    started = time.perf_counter()
    for start in range(0, len(inbound), batch):
        beacon.ingest(inbound[start:start + batch])
    elapsed = time.perf_counter() - started
    with beacon.read_session_factory() as session:
        stored = {(m.channel_account, m.provider_message_id): m for m in session.scalars(select(Message))}
        confirmed = _candidates_as_merged(session)
        session.expunge_all()
    beacon.engine.dispose()
    return messages, truth, stored, confirmed, elapsed


def _candidates_as_merged(session: Any) -> dict[int, int]:
    """person -> representative if every open candidate were confirmed (union-find)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for candidate in session.scalars(select(PersonCandidate).where(PersonCandidate.status == "open")):
        a, b = find(candidate.person_id), find(candidate.other_person_id)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {person: find(person) for person in parent}


def report(batch: int) -> None:
    messages, truth, stored, confirmed, elapsed = replay(batch)
    rows = [stored[(m["channel_account"], m["provider_message_id"])] for m in messages]
    print(f"replayed {len(rows)} messages of the demo night with the real triage in {elapsed:.1f} s "
          f"({len(rows) / elapsed:.0f} msg/s, batches of {batch})\n")

    true_cases = {t["case"] for t in truth if t["case"]}
    beacon_cases = {r.case_id for r in rows if r.case_id}
    identity = [(r.channel, r.author_id) for r in rows]
    baseline_identity_cases = {identity[i] for i, r in enumerate(rows) if r.disposition == "case"}
    baseline_message_cases = sum(r.disposition == "case" for r in rows)
    print("cases opened                          count   vs truth")
    print(f"  truth (what a person would open)    {len(true_cases):5d}      1.00")
    for name, count in (("Beacon", len(beacon_cases)),
                        ("baseline: one case per identity", len(baseline_identity_cases)),
                        ("baseline: one case per message", baseline_message_cases)):
        print(f"  {name:<35} {count:5d}  {count / len(true_cases):8.2f}")

    truth_person = [t["person"] for t in truth]
    print("\nperson links (pairs of messages)      precision  recall   pairs found / true")
    merged = [confirmed.get(r.person_id, r.person_id) if r.person_id else None for r in rows]
    for name, predicted in (("Beacon (automatic links)", [r.person_id for r in rows]),
                            ("Beacon + candidates confirmed", merged),
                            ("baseline: person per identity", identity)):
        p, r_, found, true = pairwise(predicted, truth_person)
        print(f"  {name:<35} {p:9.3f} {r_:7.3f}   {found:5d} / {true}")

    truth_case = [t["case"] for t in truth]
    print("\ncase attachments (pairs of messages)  precision  recall   pairs found / true")
    per_identity = [identity[i] if r.case_id else None for i, r in enumerate(rows)]
    for name, predicted in (("Beacon", [r.case_id for r in rows]),
                            ("baseline: case per identity", per_identity)):
        p, r_, found, true = pairwise(predicted, truth_case)
        print(f"  {name:<35} {p:9.3f} {r_:7.3f}   {found:5d} / {true}")
    in_case = sum(1 for r, t in zip(rows, truth) if t["case"] and r.case_id)
    print(f"  messages the truth puts in a case that Beacon put in one: {in_case} / "
          f"{sum(1 for t in truth if t['case'])}")

    _dispositions(rows, truth)


def _dispositions(rows: list[Message], truth: list[dict[str, Any]]) -> None:
    outcomes = ("close", "share", "monitor", "case")
    confusion = Counter((t["disposition"], r.disposition) for r, t in zip(rows, truth))
    right = sum(confusion[(o, o)] for o in outcomes)
    baseline = Counter(t["disposition"] == _foundation(r) for r, t in zip(rows, truth))
    print(f"\ndisposition accuracy: Beacon policy {right / len(rows):.3f}   "
          f"baseline (P1-P3 case, else close) {baseline[True] / len(rows):.3f}")
    print("  truth \\ Beacon " + "".join(f"{o:>9}" for o in outcomes))
    for want in outcomes:
        print(f"  {want:<15}" + "".join(f"{confusion[(want, got)]:9d}" for got in outcomes))


def _foundation(message: Message) -> str:
    """The foundation's fixed rule, from the same triage: the baseline policy."""
    is_share = message.item_id is not None and message.item_id != message.id
    if is_share:
        return "close"
    needs_human = bool((message.triage or {}).get("needs_human"))
    return "case" if message.priority in ("P1", "P2", "P3") or needs_human else "close"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50, help="messages per ingest call")
    report(parser.parse_args().batch)


if __name__ == "__main__":
    main()
