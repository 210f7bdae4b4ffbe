"""A simulated night of escalation: does every P1 reach a human, and how fast?

    .venv/bin/python bench/escalation.py [--seed 7] [--step-seconds 30]

The night-shift scenario's contacts arrive on an injected clock; the case-work tick runs every
`--step-seconds` of simulated time. One handler, one supervisor and one duty inspector are on.
  quiet      the handler goes quiet (never acknowledges); the supervisor replies ACK by SMS
             3 minutes after being alerted, the inspector 1 minute after
  attentive  the baseline: the same night with a handler who acknowledges 2 minutes after an alert
For each P1 it prints the minutes from the case opening to the alert, to the first escalation
and to the acknowledgement (and who), then throughput, peak memory and the quiet/attentive
ratio of time to acknowledgement. It fails (exit 1) if any P1 ends the night unacknowledged.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mib
from sqlalchemy import select

from beacon.bootstrap import Beacon, bootstrap
from beacon.cases.audit_events import user_actor
from beacon.cases.escalation import acknowledge_case
from beacon.cases.rota import put_on_shift
from beacon.cases.settings import shipped_casework
from beacon.cases.sms_ack import acknowledge_by_sms
from beacon.cases.tick import casework_tick
from beacon.clock import FakeClock
from beacon.config import Settings
from beacon.messages import InboundMessage
from beacon.staff.accounts import Role, create_user
from beacon.store.tables import Case, User
from beacon.store.tables_casework import Alert, StaffContact

PEOPLE = {  # username: (role, chain role, phone)
    "hana": (Role.HANDLER, "handler", "+447700900101"),
    "sam": (Role.SUPERVISOR, "supervisor", "+447700900102"),
    "ines": (Role.SUPERVISOR, "inspector", "+447700900103"),
}


@dataclass(frozen=True)
class P1Outcome:
    reference: str
    opened: datetime
    to_alert: float
    to_escalation: float | None
    to_ack: float | None
    acked_by: str


@dataclass(frozen=True)
class Night:
    outcomes: list[P1Outcome]
    messages: int
    ticks: int
    seconds: float


def _staff(beacon: Beacon, night: date) -> dict[str, int]:
    settings, ids = shipped_casework(), {}
    with beacon.session_factory.begin() as session:
        for username, (role, chain_role, phone) in PEOPLE.items():
            user = create_user(session, force_slug="demo", username=username, password="bench-password-1",
                               role=role, display_name=username.title(), team="General")
            session.add(StaffContact(user_id=user.id, phone=phone))
            for pattern, day in (("late", night), ("night", night), ("early", night + timedelta(days=1))):
                put_on_shift(session, settings, force_id=user.force_id, user_id=user.id, team_id=None,
                             role=chain_role, pattern=pattern, day=day)
            ids[username] = user.id
    return ids


def _respond(beacon: Beacon, delays: dict[str, float | None], ids: dict[str, int], now: datetime) -> None:
    """Each person acknowledges `delay` minutes after they were first alerted (None: never)."""
    by_id = {ids[name]: name for name in ids}
    with beacon.read_session_factory() as session:
        if session.scalar(select(Alert.id).where(Alert.acknowledged_at.is_(None)).limit(1)) is None:
            return  # the common case: nothing waiting, no write transaction
    with beacon.session_factory.begin() as session:
        for alert in session.scalars(select(Alert).where(Alert.acknowledged_at.is_(None))):
            for notice in alert.notified:
                for user_id in notice["users"]:
                    delay = delays[by_id[user_id]]
                    at = datetime.fromisoformat(notice["at"])
                    if delay is None or now < at + timedelta(minutes=delay) or alert.acknowledged_at:
                        continue
                    name = by_id[user_id]
                    if name == "sam":  # the supervisor replies to the SMS
                        acknowledge_by_sms(session, PEOPLE[name][2], f"ACK {alert.code}", now)
                    else:
                        user = session.get_one(User, user_id)
                        acknowledge_case(session, session.get_one(Case, alert.case_id),
                                         user_actor(user.id, user.display_name), "web", now)
                    session.flush()


def run_night(seed: int, step: timedelta, delays: dict[str, float | None], triage: object | None) -> Night:
    from beacon.scenario import generate_night_shift

    raw, _truth = generate_night_shift(seed)
    messages = sorted((InboundMessage.model_validate(m) for m in raw), key=lambda m: m.created_at)
    start = messages[0].created_at.replace(second=0, microsecond=0)
    clock = FakeClock(start)
    # On tmpfs where there is one: the bench measures escalation, not the disk's fsync.
    scratch = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/night.db", var_dir=Path(tmp), secret_key="bench")
        beacon = bootstrap(settings, clock=clock, triage_engine=triage)  # type: ignore[arg-type]
        beacon.prepare_database()
        ids = _staff(beacon, start.date())
        began, ticks, pending = time.perf_counter(), 0, list(messages)
        end = messages[-1].created_at + timedelta(hours=2)  # time for the last alerts to resolve
        step_end = start
        while step_end <= end:
            step_end += step
            while pending and pending[0].created_at <= step_end:  # each arrives at its own time
                message = pending.pop(0)
                clock.advance(seconds=max(0.0, (message.created_at - clock.now()).total_seconds()))
                beacon.ingest([message])
            clock.advance(seconds=(step_end - clock.now()).total_seconds())
            with beacon.session_factory.begin() as session:
                casework_tick(session, shipped_casework(), clock.now())
            _respond(beacon, delays, ids, clock.now())
            ticks += 1
        seconds = time.perf_counter() - began
        outcomes = _outcomes(beacon, ids)
        beacon.engine.dispose()
    return Night(outcomes, len(messages), ticks, seconds)


def _outcomes(beacon: Beacon, ids: dict[str, int]) -> list[P1Outcome]:
    names = {user_id: name for name, user_id in ids.items()}
    out = []
    with beacon.read_session_factory() as session:
        for alert, case in session.execute(
            select(Alert, Case).join(Case, Case.id == Alert.case_id).where(Alert.cause == "p1").order_by(Case.created_at)
        ):
            opened = case.created_at
            out.append(P1Outcome(case.reference, opened, _minutes(opened, alert.raised_at) or 0.0,
                                 _minutes(opened, alert.escalated_at), _minutes(opened, alert.acknowledged_at),
                                 names.get(alert.acknowledged_by or -1, alert.acknowledged_via or "nobody")))
    return out


def _minutes(since: datetime, at: datetime | None) -> float | None:
    return None if at is None else (at - since).total_seconds() / 60


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:6.1f}"


def _print_night(title: str, night: Night) -> None:
    print(f"{title}: {len(night.outcomes)} P1 cases, {night.messages} messages, {night.ticks} ticks "
          f"in {night.seconds:.1f} s ({night.messages / night.seconds:.0f} msg/s, {night.ticks / night.seconds:.0f} ticks/s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--step-seconds", type=float, default=30.0)
    parser.add_argument("--keyword-triage", action="store_true", help="the test fake instead of the model")
    args = parser.parse_args()
    triage = None
    if args.keyword_triage:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.fakes import KeywordTriage

        triage = KeywordTriage()
    step = timedelta(seconds=args.step_seconds)
    quiet = run_night(args.seed, step, {"hana": None, "sam": 3, "ines": 1}, triage)
    attentive = run_night(args.seed, step, {"hana": 2, "sam": 3, "ines": 1}, triage)
    print(f"escalation bench: seed {args.seed}, tick every {args.step_seconds:.0f} s of simulated time, "
          f"chain {[ (lvl.role, lvl.after_minutes) for lvl in shipped_casework().escalation.chain ]}")
    print("\nquiet handler night, per P1 (minutes from the case opening)")
    print(f"{'case':<16} {'opened (UTC)':<17} {'alert':>6} {'escal.':>6} {'ack':>6}  acknowledged by")
    for o in quiet.outcomes:
        print(f"{o.reference:<16} {o.opened:%Y-%m-%d %H:%M}  {_fmt(o.to_alert)} {_fmt(o.to_escalation)} "
              f"{_fmt(o.to_ack)}  {o.acked_by}")
    print()
    _print_night("quiet", quiet)
    _print_night("attentive (baseline)", attentive)
    for title, night in (("quiet", quiet), ("attentive", attentive)):
        acks = [o.to_ack for o in night.outcomes if o.to_ack is not None]
        if acks:
            print(f"{title:<10} time to acknowledge: mean {statistics.fmean(acks):.1f} min, max {max(acks):.1f} min")
    quiet_acks = [o.to_ack for o in quiet.outcomes if o.to_ack is not None]
    base_acks = [o.to_ack for o in attentive.outcomes if o.to_ack is not None]
    if quiet_acks and base_acks:
        print(f"ratio quiet/attentive mean time to acknowledge: {statistics.fmean(quiet_acks) / statistics.fmean(base_acks):.2f}x")
    print(f"peak memory: {peak_rss_mib():.0f} MiB")
    unacknowledged = [o.reference for n in (quiet, attentive) for o in n.outcomes if o.to_ack is None]
    if unacknowledged:
        print(f"FAIL: P1 cases never acknowledged: {unacknowledged}")
        return 1
    print("every P1 was acknowledged by a person")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
