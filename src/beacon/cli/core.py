"""Running Beacon: migrate, serve, add users, replay files, and the one-command demo."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from beacon.bootstrap import Beacon, bootstrap, bootstrap_store
from beacon.cli import app
from beacon.config import Settings
from beacon.messages import InboundMessage
from beacon.intake.replay import ReplayFileError, ReplayRow, read_replay_file
from beacon.clock import SystemClock
from beacon.staff.accounts import (
    AccountError,
    Role,
    create_user,
    enrol_user_totp,
    generate_password,
    revoke_sessions,
    set_password,
    set_role,
)
from beacon.intake.deliveries import keep_dead_letter

# soft_wrap: a long path in an error must stay on one line, so it can be read and grepped.
console = Console(stderr=True, soft_wrap=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


def fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _beacon(database_url: str | None = None) -> Beacon:
    settings = Settings() if database_url is None else Settings(database_url=database_url)
    return bootstrap(settings)


@app.command()
def migrate(database_url: Annotated[str | None, typer.Option(help="overrides BEACON_DATABASE_URL")] = None) -> None:
    """Create or upgrade the database schema, and the default force."""
    beacon = _beacon(database_url)
    beacon.prepare_database()
    console.print(f"database ready: {beacon.engine.url.render_as_string(hide_password=True)}")


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[Role, typer.Option(help="handler, supervisor or admin")] = Role.HANDLER,
    force: Annotated[str | None, typer.Option(help="force slug (default: BEACON_DEFAULT_FORCE)")] = None,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    team: Annotated[str | None, typer.Option(help="team name, e.g. General")] = None,
    password: Annotated[str | None, typer.Option(help="prompted for when omitted")] = None,
) -> None:
    """Create a staff account."""
    beacon = bootstrap_store(Settings())
    default_force = Settings().default_force
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with beacon.session_factory.begin() as session:
            create_user(
                session, force_slug=force or default_force, username=username,
                password=password, role=role, display_name=name, team=team,
            )
    except AccountError as error:
        raise fail(str(error)) from None
    console.print(f"user {username} added ({role.value})")


@user_app.command("password")
def user_password(
    username: str,
    password: Annotated[str | None, typer.Option(help="prompted for when omitted")] = None,
) -> None:
    """Set a user's password; every session they have open ends."""
    beacon = bootstrap_store(Settings())
    if password is None:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        with beacon.session_factory.begin() as session:
            if not set_password(session, username, password, SystemClock().now()):
                raise AccountError(f"no user {username!r}")
    except AccountError as error:
        raise fail(str(error)) from None
    console.print(f"password of {username} changed; their sessions are ended")


@user_app.command("role")
def user_role(username: str, role: Annotated[Role, typer.Argument(help="handler, supervisor or admin")]) -> None:
    """Change a user's role; every session they have open ends."""
    beacon = bootstrap_store(Settings())
    try:
        with beacon.session_factory.begin() as session:
            set_role(session, username, role, SystemClock().now())
    except AccountError as error:
        raise fail(str(error)) from None
    console.print(f"{username} is now a {role.value}; their sessions are ended")


@user_app.command("totp")
def user_totp(
    username: str,
    replace: Annotated[bool, typer.Option(help="replace a second factor already set up")] = False,
) -> None:
    """Set up a user's second factor: prints the key, a QR code and recovery codes, once."""
    settings = Settings()
    beacon = bootstrap_store(settings)
    try:
        with beacon.session_factory.begin() as session:
            enrolment, codes = enrol_user_totp(session, username, settings.totp_issuer, SystemClock().now(), replace)
    except AccountError as error:
        raise fail(str(error)) from None
    out = Console(soft_wrap=True)  # stdout: the key is for the person running the command
    out.print(enrolment.qr_text(), highlight=False)
    out.print(f"key:  [bold]{enrolment.secret}[/]  (or scan: {enrolment.uri})")
    out.print("recovery codes (each works once; shown only now):")
    for code in codes:
        out.print(f"  {code}")
    console.print(f"second factor set up for {username}; their sessions are ended")


@user_app.command("revoke-sessions")
def user_revoke_sessions(username: str) -> None:
    """End every session a user has open, at once (a lost phone, a shared screen)."""
    beacon = bootstrap_store(Settings())
    try:
        with beacon.session_factory.begin() as session:
            ended = revoke_sessions(session, username, SystemClock().now())
    except AccountError as error:
        raise fail(str(error)) from None
    console.print(f"ended {ended} session(s) of {username}")


@app.command()
def replay(
    file: Annotated[Path, typer.Argument(help="JSONL or CSV of messages")],
    speed: Annotated[float, typer.Option(help="0 = as fast as possible; 60 = a minute per second")] = 0.0,
) -> None:
    """Feed a file of messages through intake and the pipeline, as if they were arriving now."""
    beacon = _beacon()
    try:
        rows = list(read_replay_file(file))
    except ReplayFileError as error:
        raise fail(str(error)) from None
    stored, duplicates, rejected = replay_rows(beacon, rows, speed, show_progress=True)
    console.print(f"replayed {stored} new, {duplicates} already stored, {rejected} rejected")
    if rejected:
        console.print("rejected rows are kept as dead letters (source 'replay')")
        raise typer.Exit(1)


def replay_rows(
    beacon: Beacon, rows: list[ReplayRow], speed: float, show_progress: bool = False
) -> tuple[int, int, int]:
    """Ingest rows in file order; at speed 0 in batches of 100, else one by one, in time."""
    stored = duplicates = rejected = 0
    previous: datetime | None = None
    batch: list[InboundMessage] = []

    def flush() -> None:
        nonlocal stored, duplicates
        for accepted in beacon.ingest(batch):
            duplicates += accepted.duplicate
            stored += not accepted.duplicate
        progress.advance(task, len(batch))
        batch.clear()

    with _progress(show_progress) as progress:
        task = progress.add_task("replaying", total=len(rows))
        for row in rows:
            if row.message is None:
                _dead_letter_row(beacon, row)
                rejected += 1
                progress.advance(task)
                continue
            previous = _wait_for(row.message.created_at, previous, speed)
            batch.append(row.message)
            if speed > 0 or len(batch) >= 100:
                flush()
        flush()
    return stored, duplicates, rejected


def _progress(visible: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, disable=not visible,
    )


def _wait_for(at: datetime, previous: datetime | None, speed: float) -> datetime:
    if speed > 0 and previous is not None and at > previous:
        time.sleep(min((at - previous).total_seconds() / speed, 60.0))
    return at


def _dead_letter_row(beacon: Beacon, row: ReplayRow) -> None:
    with beacon.session_factory.begin() as session:
        keep_dead_letter(session, source="replay", reason=f"line {row.line}: {row.error}",
                         raw=row.raw.encode("utf-8", "surrogateescape"), content_type="text/plain",
                         now=beacon.clock.now())


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """Serve the web UI and API (migrate first)."""
    beacon = _beacon()
    beacon.prepare_database()
    _run(beacon, host, port)


def _run(beacon: Beacon, host: str, port: int) -> None:
    import logging

    import uvicorn

    from beacon.logs import configure_logging, uvicorn_log_config
    from beacon.web.app import create_app

    settings = beacon.settings
    configure_logging(settings.log_format, settings.log_level)
    log = logging.getLogger("beacon.serve")
    recovered = beacon.start()
    if recovered:
        log.info("processed messages left unprocessed by the last run", extra={"messages": recovered})
    log.info("serving", extra={"host": host, "port": port, "transport": settings.transport})
    uvicorn.run(create_app(beacon), host=host, port=port, log_level=settings.log_level.lower(),
                log_config=uvicorn_log_config())


@app.command()
def demo(
    port: Annotated[int, typer.Option()] = 8000,
    seed: Annotated[int, typer.Option(help="scenario seed")] = 7,
    speed: Annotated[float, typer.Option(help="0 = load the whole night at once; N = replay live N× fast")] = 0.0,
    fresh: Annotated[bool, typer.Option(help="start from an empty demo database")] = True,
) -> None:
    """The whole demo: a SQLite database, a demo user, the night-shift scenario, the web UI."""
    from beacon.cases.demo import seed_demo_casework
    from beacon.cases.settings import casework_for
    from beacon.scenario import generate_night_shift
    from beacon.scenario.timing import ending_at

    settings = _demo_settings()
    if fresh and settings.database_url.startswith("sqlite:///"):
        _remove_sqlite(Path(settings.database_url.removeprefix("sqlite:///")))
    beacon = bootstrap(settings)
    beacon.prepare_database()
    password = _demo_user(beacon)
    with beacon.session_factory.begin() as session:  # the demo user is on shift: clocks and alerts show
        seed_demo_casework(session, casework_for(settings.casework_path), "handler", beacon.clock.now())
    night, _truth = generate_night_shift(seed)
    # The night ends a few minutes ago, so clocks and "last 24 hours" views show it as current.
    messages = ending_at(night, beacon.clock.now() - timedelta(minutes=5))
    rows = [ReplayRow(i, "", InboundMessage.model_validate(m), None) for i, m in enumerate(messages, start=1)]
    console.rule("Beacon demo")
    console.print(f"UI:       http://127.0.0.1:{port}/")
    console.print("username: [bold]handler[/]")
    console.print(f"password: [bold]{password}[/]")
    _print_demo_second_factor(beacon)
    if speed > 0:
        threading.Thread(target=replay_rows, args=(beacon, rows, speed), daemon=True).start()
    else:
        stored, _, _ = replay_rows(beacon, rows, 0, show_progress=True)
        console.print(f"replayed {stored} messages from the night-shift scenario (seed {seed})")
    _run(beacon, "127.0.0.1", port)


def _demo_settings() -> Settings:
    """The demo is for a trainer at one machine: the printed password signs in. A second factor
    is asked for only when BEACON_TOTP_REQUIRED_ROLES is set (then the key is printed too)."""
    settings = Settings()
    if "totp_required_roles" not in settings.model_fields_set:
        settings = settings.model_copy(update={"totp_required_roles": ""})
    return settings


def _print_demo_second_factor(beacon: Beacon) -> None:
    """When the demo's role needs a code: a fresh key each start, printed like the password."""
    roles = {role.strip() for role in beacon.settings.totp_required_roles.split(",")}
    if Role.SUPERVISOR.value not in roles:
        console.print("second factor: off in the demo (BEACON_TOTP_REQUIRED_ROLES=supervisor,admin turns it on)")
        return
    with beacon.session_factory.begin() as session:
        enrolment, _codes = enrol_user_totp(session, "handler", beacon.settings.totp_issuer,
                                            beacon.clock.now(), replace=True)
    console.print(f"TOTP key: [bold]{enrolment.secret}[/] (add it to an authenticator app: {enrolment.uri})")


def _demo_user(beacon: Beacon) -> str:
    """A fresh password every start, printed once, so the demo never ships a known one."""
    password = generate_password()
    with beacon.session_factory.begin() as session:
        if not set_password(session, "handler", password, beacon.clock.now()):
            create_user(session, force_slug=beacon.settings.default_force, username="handler",
                        password=password, role=Role.SUPERVISOR, display_name="Demo Handler",
                        team="General")
    return password


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
