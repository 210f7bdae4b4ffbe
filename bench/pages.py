"""How fast the desk's pages are with 100,000 cases in the store.

    .venv/bin/python bench/pages.py [--cases 100000] [--requests 20] [--seed 7] [--keep DIR]

Builds a SQLite store (migrated with `beacon migrate`'s code, then rows bulk-inserted straight
into the tables: six weeks of cases over every priority, status, channel, beat and team, with
their messages, timeline entries, incidents, SLA clocks, a rota and some audit rows). Then times
each page through the ASGI app, signed in as a supervisor: one warm-up request, then
`--requests` timed ones. The same pages on a store with a single case are the baseline; the
ratio says what the 100,000 cases cost. Reads that write an audit event pay for that commit too,
as they do in service.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mib, percentile
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from beacon.audit import Actor, append_event
from beacon.bootstrap import Beacon, bootstrap
from beacon.cases.access import force_wide
from beacon.cases.queries import inbox
from beacon.clock import FakeClock
from beacon.config import Settings
from beacon.insight.beats import BeatMap
from beacon.staff.accounts import Role, create_user
from beacon.store.tables import Case, CaseEntry, Force, Identity, Message, Person, Team, User
from beacon.store.tables_casework import CaseClock, RotaShift
from beacon.store.tables_noise import IncidentRow
from beacon.triage.result import TriageResult
from beacon.web.app import create_app

NOW = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
HISTORY = timedelta(days=42)
RECENT = timedelta(days=3)  # cases younger than this are still being worked
PASSWORD = "bench password 2026"
BATCH = 5000
PRIORITIES = (("P1", 3), ("P2", 17), ("P3", 40), ("P4", 40))
CHANNELS = (("x", 25), ("facebook", 20), ("instagram", 8), ("whatsapp", 15), ("sms", 15), ("email", 10),
            ("webform", 7))
CATEGORIES = ("anti_social_behaviour", "domestic_abuse", "crime.fraud", "crime.hate", "missing_person",
              "self_harm", "violence_weapons", "road_traffic", "theft", "information")
WORDS = ("someone is shouting outside and kicking the door", "my neighbour's car was broken into last night",
         "a man with a knife near the shops", "my daughter has not come home and is not answering",
         "they keep messaging me threats online", "smoke coming from the old mill", "lads on motorbikes again")


class NoTriage:
    """The bench stores triaged rows directly: nothing here ever runs the pipeline."""

    def triage(self, text: str, *, language: str | None = None, place: Any = None) -> TriageResult:
        raise RuntimeError("the pages bench does not triage")


@dataclass(frozen=True)
class Store:
    beacon: Beacon
    case_id: int  # the P1 at the top of the inbox
    person_id: int
    build_seconds: float
    counts: dict[str, int]


def pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def build_store(folder: Path, cases: int, seed: int) -> Store:
    started = time.perf_counter()
    settings = Settings(database_url=f"sqlite:///{folder / 'beacon.db'}", var_dir=folder / "var",
                        secret_key="bench-pages", control_room_refresh_seconds=10,
                        totp_required_roles="")  # the bench times pages, not the sign-in's code step
    beacon = bootstrap(settings, clock=FakeClock(NOW), triage_engine=NoTriage())
    beacon.prepare_database()
    users = _staff(beacon)
    with beacon.engine.begin() as conn:
        force = conn.execute(select(Force.id).where(Force.slug == "demo")).scalar_one()
        teams = list(conn.scalars(select(Team.id).where(Team.force_id == force)))
        counts = _fill(conn, random.Random(seed), force, teams, users, cases)
    _audit_rows(beacon, users, min(2000, cases // 50))
    with beacon.read_session_factory() as session:
        top = inbox(session, force_wide(force), limit=1)[0]
        person = session.execute(select(Case.person_id).where(Case.id == top.id)).scalar_one()
    return Store(beacon, top.id, person, time.perf_counter() - started, counts)


def _staff(beacon: Beacon) -> list[int]:
    """A supervisor (who signs in) and 30 handlers sharing one password hash (argon2 is slow on
    purpose); a dozen of them on shift now."""
    with beacon.session_factory.begin() as session:
        sup = create_user(session, force_slug="demo", username="sup", password=PASSWORD,
                          role=Role.SUPERVISOR, display_name="Sam Supervisor")
        handlers = [User(force_id=sup.force_id, username=f"h{i:02d}", display_name=f"Handler {i:02d}",
                         role=Role.HANDLER.value, password_hash=sup.password_hash) for i in range(30)]
        session.add_all(handlers)
        session.flush()
        ids = [sup.id] + [h.id for h in handlers]
        for user_id in ids[:13]:
            session.add(RotaShift(force_id=sup.force_id, user_id=user_id, team_id=None,
                                  role="supervisor" if user_id == sup.id else "handler", pattern="night",
                                  starts_at=NOW - timedelta(hours=4), ends_at=NOW + timedelta(hours=6)))
    return ids


def _insert(conn: Connection, table: Any, rows: Iterator[dict[str, Any]]) -> int:
    batch: list[dict[str, Any]] = []
    total = 0
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            conn.execute(insert(table), batch)
            total, batch = total + len(batch), []
    if batch:
        conn.execute(insert(table), batch)
    return total + len(batch)


def _fill(conn: Connection, rng: random.Random, force: int, teams: list[int], users: list[int],
          cases: int) -> dict[str, int]:
    beats = [b.code for b in BeatMap.load().beats]
    persons = max(1, int(cases * 0.7))
    plan = [_plan_case(rng, i + 1, force, teams, users, beats, rng.randint(1, persons)) for i in range(cases)]
    counts = {
        "persons": _insert(conn, Person.__table__, ({"id": p, "force_id": force, "display_name": f"Person {p}",
                                                     "created_at": NOW - HISTORY} for p in range(1, persons + 1))),
        "identities": _insert(conn, Identity.__table__, (
            {"force_id": force, "person_id": p, "channel": "sms", "external_id": f"+4477{p:08d}",
             "handle": None, "display_name": f"Person {p}"} for p in range(1, persons + 1))),
        "cases": _insert(conn, Case.__table__, (c["case"] for c in plan)),
    }
    ids = itertools.count(1)
    messages = [m for c in plan for m in _messages(rng, c, ids)]
    messages += _loose_messages(rng, force, beats, ids, cases // 5)
    counts["messages"] = _insert(conn, Message.__table__, iter(messages))
    incidents, links = _incidents(rng, force, messages)
    counts["incidents"] = _insert(conn, IncidentRow.__table__, iter(incidents))
    # Messages and incidents point at each other: link them once both exist (no deferred checks,
    # which SQLite pays for with a scan per parent row).
    if links:
        conn.execute(update(Message).where(Message.id == bindparam("mid")).values(incident_id=bindparam("iid")),
                     links)
    counts["case_entries"] = _insert(conn, CaseEntry.__table__, _entries(rng, plan, messages))
    counts["case_clocks"] = _insert(conn, CaseClock.__table__, _clocks(force, plan))
    return counts


def _plan_case(rng: random.Random, case_id: int, force: int, teams: list[int], users: list[int],
               beats: list[str], person: int) -> dict[str, Any]:
    at = NOW - HISTORY * rng.random()
    priority, age = pick(rng, PRIORITIES), NOW - at
    if case_id == 1:  # every store, even the baseline's, has a P1 nobody has taken
        at, priority, status = NOW - timedelta(minutes=10), "P1", "new"
    elif age > RECENT:
        status = "waiting" if rng.random() < 0.02 else "closed"
    else:
        status = pick(rng, (("new", 25), ("open", 30), ("waiting", 20), ("closed", 25)))
    category = rng.choice(CATEGORIES)
    row = {
        "id": case_id, "force_id": force, "team_id": rng.choice(teams), "reference": f"WB-{case_id:07d}",
        "title": rng.choice(WORDS)[:60], "status": status, "priority": priority, "category": category,
        "vulnerable": rng.random() < 0.15, "person_id": person, "created_at": at, "first_contact_at": at,
        "updated_at": at + timedelta(minutes=30), "closed_at": at + timedelta(hours=5) if status == "closed" else None,
        "assignee_id": None if status == "new" else rng.choice(users[1:]),
    }
    return {"case": row, "channel": pick(rng, CHANNELS), "beat": rng.choice(beats), "extra": _extra(rng)}


def _extra(rng: random.Random) -> int:
    return rng.choice((1, 2, 3)) if rng.random() < 0.25 else 0


def _message(mid: int, force: int, at: datetime, channel: str, beat: str | None, priority: str,
             category: str, **fields: Any) -> dict[str, Any]:
    place = {"beat": beat, "postcode": None} if beat else None
    return {
        "id": mid, "force_id": force, "direction": "in", "channel": channel, "channel_account": "force",
        "provider_message_id": f"bench-{mid}", "author_id": f"author-{mid}", "author_handle": None,
        "author_name": None, "text": WORDS[mid % len(WORDS)], "language": "en", "media": [], "reply_to": None,
        "thread_ref": None, "shared_of": None, "place": None, "raw": None, "created_at": at, "received_at": at,
        "state": "processed", "priority": priority, "urgency": 0.5, "categories": [category],
        "triage": {"reasons": [], "vulnerabilities": [], "place": place}, "item_id": None, "item_key": None,
        "share_count": 0, "incident_id": None, "person_id": None, "case_id": None, "disposition": "case",
        "disposition_reason": None, **fields,
    }


def _messages(rng: random.Random, plan: dict[str, Any], ids: Iterator[int]) -> Iterator[dict[str, Any]]:
    case = plan["case"]
    person = case["person_id"]
    for n in range(1 + plan["extra"]):
        yield _message(next(ids), case["force_id"], case["first_contact_at"] + timedelta(minutes=7 * n),
                       plan["channel"], plan["beat"], case["priority"], case["category"],
                       case_id=case["id"], person_id=person)
    if case["status"] != "new" and rng.random() < 0.3:
        yield _message(next(ids), case["force_id"], case["first_contact_at"] + timedelta(minutes=20),
                       plan["channel"], None, case["priority"], case["category"], direction="out",
                       case_id=case["id"], person_id=person, disposition=None)


def _loose_messages(rng: random.Random, force: int, beats: list[str], ids: Iterator[int], n: int
                    ) -> list[dict[str, Any]]:
    """Closed as noise or counted by beat (monitor): no case, but they are demand all the same."""
    return [_message(next(ids), force, NOW - HISTORY * rng.random(), pick(rng, CHANNELS), rng.choice(beats),
                     "P4", "anti_social_behaviour", disposition=rng.choice(("close", "monitor")))
            for _ in range(n)]


def _incidents(rng: random.Random, force: int, messages: list[dict[str, Any]]
               ) -> tuple[list[dict[str, Any]], list[dict[str, int]]]:
    """One incident per ~40 inbound messages, its members a run of messages close in time."""
    inbound = sorted((m for m in messages if m["direction"] == "in"), key=lambda m: m["received_at"])
    incidents, links = [], []
    for n, start in enumerate(range(0, len(inbound) - 4, 40), start=1):
        members = inbound[start:start + rng.randint(2, 5)]
        links += [{"mid": m["id"], "iid": n} for m in members]
        incidents.append({
            "id": n, "force_id": force, "key": f"inc-{n}", "title": members[0]["text"][:60],
            "first_message_id": members[0]["id"], "first_at": members[0]["received_at"],
            "last_at": members[-1]["received_at"], "messages": len(members), "reports": len(members),
            "reporters": len(members), "priority": members[0]["priority"], "attention": None,
            "surging": False, "case_id": members[0]["case_id"], "merged_into_id": None})
    return incidents, links


def _entries(rng: random.Random, plan: list[dict[str, Any]], messages: list[dict[str, Any]]
             ) -> Iterator[dict[str, Any]]:
    for m in messages:
        if m["case_id"] is not None:
            kind = "message_in" if m["direction"] == "in" else "message_out"
            yield {"case_id": m["case_id"], "kind": kind, "message_id": m["id"], "user_id": None,
                   "body": m["text"], "data": None, "created_at": m["received_at"]}
    for c in (p["case"] for p in plan):
        if c["assignee_id"] and rng.random() < 0.3:
            yield {"case_id": c["id"], "kind": "note", "message_id": None, "user_id": c["assignee_id"],
                   "body": "Called back, no answer", "data": None, "created_at": c["updated_at"]}
        if c["status"] == "closed":
            yield {"case_id": c["id"], "kind": "status", "message_id": None, "user_id": c["assignee_id"],
                   "body": "Status: closed", "data": {"from": "open", "to": "closed"}, "created_at": c["closed_at"]}


def _clocks(force: int, plan: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Acknowledge and first-reply clocks for the last week's cases; met unless still new."""
    minutes = {"P1": 5, "P2": 30, "P3": 240, "P4": 1440}
    for c in (p["case"] for p in plan):
        if NOW - c["first_contact_at"] > timedelta(days=7):
            continue
        for milestone, factor in (("acknowledge", 1), ("first_reply", 3)):
            due = c["first_contact_at"] + timedelta(minutes=minutes[c["priority"]] * factor)
            met = None if c["status"] == "new" else min(due, c["updated_at"])
            yield {"force_id": force, "case_id": c["id"], "milestone": milestone, "priority": c["priority"],
                   "started_at": c["first_contact_at"], "warn_at": due - timedelta(minutes=1), "due_at": due,
                   "warned_at": None, "breached_at": due if met is None and due < NOW else None,
                   "met_at": met, "met_by": c["assignee_id"] if met else None}


def _audit_rows(beacon: Beacon, users: list[int], n: int) -> None:
    with beacon.session_factory.begin() as session:
        force = session.scalar(select(Force.id).where(Force.slug == "demo"))
        for i in range(n):
            append_event(session, actor=Actor("user", users[1 + i % 30], f"Handler {i % 30:02d}"), action="read",
                         object_type="case", object_id=1 + i, at=NOW - timedelta(minutes=n - i),
                         force_id=force, reason="case page")


def empty_store(folder: Path) -> Store:
    """The baseline: the same app and staff, one case."""
    return build_store(folder, 1, seed=1)


def pages(store: Store, client: TestClient) -> list[tuple[str, str]]:
    c, p = store.case_id, store.person_id
    person_page = any(getattr(r, "path", "") == "/persons/{person_id}" for r in _routes(client.app))
    return [*([("person page", f"/persons/{p}")] if person_page else []),
        ("healthz", "/healthz"), ("inbox", "/"), ("inbox rows", "/inbox/rows"), ("case page", f"/cases/{c}"),
        ("case guidance", f"/cases/{c}/guidance"), ("incidents", "/incidents"), ("control room", "/control-room"),
        ("control room live", "/control-room/live"), ("shift report", "/shift-report"), ("guidance", "/guidance"),
        ("person (API)", f"/api/v1/persons/{p}"), ("inbox CSV", "/exports/inbox.csv"),
        ("control room CSV", "/control-room.csv?table=beats"), *searches(store),
    ]


def searches(store: Store) -> list[tuple[str, str]]:
    """Search (issue 18): a common word (one message in seven has it), two words, a phone number
    as people say it, a case reference, and the API. Each search writes its audit event too."""
    if not any(getattr(r, "path", "") == "/search" for r in _routes(create_app(store.beacon))):
        return []
    phone = f"07700 {store.person_id % 1_000_000:06d}"  # the person's number: +4477{id:08d}
    return [("search word", "/search?q=knife"), ("search two words", "/search?q=broken+car"),
            ("search phone", f"/search?q={phone}"), ("search reference", "/search?q=WB-0000042"),
            ("search (API)", "/api/v1/search?q=shouting+door")]


def _routes(app: Any) -> Iterator[Any]:
    """Every route, inside included routers too (FastAPI 0.16x nests them)."""
    for route in app.routes:
        inner = getattr(route, "original_router", None)
        yield from _routes(inner) if inner is not None else [route]


def time_pages(store: Store, requests: int) -> dict[str, list[float]]:
    client = TestClient(create_app(store.beacon))  # no lifespan: no periodic jobs competing
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    signed = client.post("/login", data={"username": "sup", "password": PASSWORD, "csrf_token": token},
                         follow_redirects=False)
    assert signed.status_code == 303, signed.text[:200]
    timings: dict[str, list[float]] = {}
    for name, url in pages(store, client):
        print(f"timing {name} ({url})", file=sys.stderr, flush=True)
        timings[name] = _time(functools.partial(client.get, url), requests, name)
    return timings


def _time(get: Callable[[], Any], requests: int, name: str) -> list[float]:
    """Seconds per request; empty when the page fails (reported, and the other pages still run)."""
    first = get()  # warm-up: caches, and guidance stored for the force on first sight
    if first.status_code != 200:
        print(f"{name}: HTTP {first.status_code}: {first.text[:200]!r}", file=sys.stderr)
        return []
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        get()
        seconds.append(time.perf_counter() - started)
    return seconds


def report(big: Store, small: Store, big_t: dict[str, list[float]], small_t: dict[str, list[float]]) -> None:
    counts = ", ".join(f"{k} {v:,}" for k, v in big.counts.items())
    print(f"store: {counts}; built in {big.build_seconds:.1f} s (baseline store {small.build_seconds:.1f} s)")
    print(f"{'page':<20}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}   {'baseline p50':>12}{'ratio':>8}")
    for name, seconds in big_t.items():
        if not seconds or not small_t.get(name):
            print(f"{name:<20}{'failed (see above)':>27}")
            continue
        ms = [s * 1000 for s in seconds]
        base, p50 = percentile([s * 1000 for s in small_t[name]], 50), percentile(ms, 50)
        print(f"{name:<20}{p50:>9.1f}{percentile(ms, 95):>9.1f}{max(ms):>9.1f}   {base:>12.1f}{p50 / base:>7.1f}x")
    timed = [n for n in big_t if big_t[n]]
    slowest = max(timed, key=lambda n: percentile(big_t[n], 50))
    print(f"slowest page p50: {slowest} {percentile(big_t[slowest], 50) * 1000:.1f} ms; "
          f"peak memory {peak_rss_mib():.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build the stores in this folder and leave them there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="beacon-pages-") as tmp:
        root = args.keep or Path(tmp)
        (root / "big").mkdir(parents=True, exist_ok=True)
        (root / "empty").mkdir(parents=True, exist_ok=True)
        small = empty_store(root / "empty")
        big = build_store(root / "big", args.cases, args.seed)
        with big.beacon.read_session_factory() as session:
            assert session.scalar(select(func.count(Case.id))) == args.cases
        report(big, small, time_pages(big, args.requests), time_pages(small, args.requests))


if __name__ == "__main__":
    main()
