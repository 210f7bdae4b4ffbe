"""`beacon mail import` and `beacon mail poll` store into Beacon: citizen mail triaged once,
automated mail kept, unreadable mail dead-lettered; poll flags seen only after the commit and
explains bad credentials and unreachable hosts with a non-zero exit."""

from __future__ import annotations

import imaplib
import mailbox
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from intake_fixtures import FIXTURES, fixture_bytes
from sqlalchemy import select
from tests.conftest import make_beacon
from typer.testing import CliRunner

from beacon.bootstrap import Beacon
from beacon.cli.mail import mail_app
from beacon.clock import FakeClock
from beacon.intake.deadletters import retry_dead_letter
from beacon.store.tables import DeadLetter, Message

PASSWORD = "imap-password-never-printed"
UNREADABLE = b"Subject: no sender\n\nhello\n"


@pytest.fixture
def mail_beacon(
    sqlite_url: str, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Beacon]:
    instance = make_beacon(sqlite_url, tmp_path, clock, imap_host="imap.example-police.uk",
                           imap_user="contact", imap_password=PASSWORD)
    monkeypatch.setattr("beacon.cli.mail._beacon", lambda: instance)
    yield instance
    instance.engine.dispose()


def _run(*args: str) -> Any:
    wrapper = typer.Typer()
    wrapper.add_typer(mail_app, name="mail")
    return CliRunner().invoke(wrapper, ["mail", *args])


def _messages(beacon: Beacon) -> list[Message]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def _letters(beacon: Beacon) -> list[DeadLetter]:
    with beacon.read_session_factory() as session:
        return list(session.scalars(select(DeadLetter)))


def test_import_mbox_stores_and_triages_once(mail_beacon: Beacon) -> None:
    mbox = str(FIXTURES / "email" / "sample.mbox")
    first = _run("import", mbox)
    assert first.exit_code == 0, first.output
    stored = _messages(mail_beacon)
    assert [m.state for m in stored] == ["processed", "processed", "automated"]
    assert stored[0].channel == "email" and stored[0].channel_account == "contact@example-police.uk"
    again = _run("import", mbox)
    assert again.exit_code == 0 and "2 already stored" in again.output
    assert len(_messages(mail_beacon)) == 3


def test_import_maildir_and_eml_folder(mail_beacon: Beacon, tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(fixture_bytes("email", "citizen_plain.eml"))
    box.add(fixture_bytes("email", "html_only_with_attachment.eml"))
    box.close()
    assert _run("import", str(tmp_path / "Maildir")).exit_code == 0
    folder = tmp_path / "eml"
    folder.mkdir()
    (folder / "reply.eml").write_bytes(fixture_bytes("email", "reply_with_references.eml"))
    assert _run("import", str(folder)).exit_code == 0
    assert len(_messages(mail_beacon)) == 3


def test_unreadable_mail_is_dead_lettered_once_and_fails_the_exit_code(
    mail_beacon: Beacon, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.eml"
    bad.write_bytes(UNREADABLE)
    first, second = _run("import", str(bad)), _run("import", str(bad))
    assert first.exit_code == second.exit_code == 1
    [letter] = _letters(mail_beacon)
    assert letter.source == "mail" and letter.reason.startswith("payload_malformed")
    assert retry_dead_letter(mail_beacon, letter.id).resolved is False  # retry accepts the source


class FakeImap:
    """Unseen mails by UID; STORE \\Seen checks the mail is already committed in Beacon."""

    def __init__(self, beacon: Beacon, mails: dict[str, bytes]) -> None:
        self.beacon, self.mails, self.seen, self.logged_out = beacon, mails, [], False
        self.stored_before_seen: list[bool] = []

    def select(self, mailbox: str = "INBOX", readonly: bool = False) -> tuple[str, list[Any]]:
        return "OK", [str(len(self.mails)).encode()]

    def uid(self, command: str, *args: Any) -> tuple[str, list[Any]]:
        if command == "SEARCH":
            return "OK", [" ".join(u for u in self.mails if u not in self.seen).encode()]
        if command == "FETCH":
            return "OK", [(f"{args[0]} (UID {args[0]} BODY[] {{1}}".encode(), self.mails[args[0]]), b")"]
        if command == "STORE":
            self.stored_before_seen.append(bool(_messages(self.beacon)) or bool(_letters(self.beacon)))
            self.seen.append(args[0])
            return "OK", []
        raise AssertionError(command)

    def logout(self) -> tuple[str, list[Any]]:
        self.logged_out = True
        return "BYE", []


def _serve(monkeypatch: pytest.MonkeyPatch, server: Any) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []

    def connect(host: str, user: str, password: str, **options: Any) -> Any:
        calls.append((host, user, password, options))
        if isinstance(server, BaseException):
            raise server
        return server

    monkeypatch.setattr("beacon.cli.mail.connect_imap", connect)
    return calls


def test_poll_once_stores_then_flags_seen(mail_beacon: Beacon, monkeypatch: pytest.MonkeyPatch) -> None:
    server = FakeImap(mail_beacon, {"7": fixture_bytes("email", "citizen_plain.eml"), "8": UNREADABLE})
    calls = _serve(monkeypatch, server)
    result = _run("poll", "--once")
    assert result.exit_code == 0, result.output
    assert calls[0][:3] == ("imap.example-police.uk", "contact", PASSWORD) and calls[0][3]["port"] == 993
    assert server.seen == ["7", "8"] and server.stored_before_seen == [True, True]
    assert [m.state for m in _messages(mail_beacon)] == ["processed"]
    assert [d.source for d in _letters(mail_beacon)] == ["mail"]  # kept, so flagged seen
    assert server.logged_out


def test_poll_leaves_a_mail_unseen_when_storing_fails(
    mail_beacon: Beacon, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = FakeImap(mail_beacon, {"9": fixture_bytes("email", "citizen_plain.eml")})
    _serve(monkeypatch, server)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("beacon.cli.mail.store_mail", broken)
    result = _run("poll", "--once")
    assert result.exit_code == 1 and server.seen == []
    assert "left unseen" in result.output


@pytest.mark.parametrize(
    ("error", "explained"),
    [(imaplib.IMAP4.error(b"[AUTHENTICATIONFAILED] Invalid credentials (Failure)"), "refused us"),
     (socket.gaierror(-2, "Name or service not known"), "host name could not be found"),
     (ConnectionRefusedError(111, "Connection refused"), "could not be reached"),
     (TimeoutError("timed out"), "did not answer in time")],
)
def test_poll_explains_connection_failures_without_the_password(
    mail_beacon: Beacon, monkeypatch: pytest.MonkeyPatch, error: BaseException, explained: str
) -> None:
    _serve(monkeypatch, error)
    result = _run("poll", "--once")
    assert result.exit_code == 1
    assert explained in result.output and PASSWORD not in result.output


def test_poll_without_a_configured_mailbox_says_what_to_set(
    sqlite_url: str, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = make_beacon(sqlite_url, tmp_path, clock)
    monkeypatch.setattr("beacon.cli.mail._beacon", lambda: instance)
    result = _run("poll", "--once")
    assert result.exit_code == 2 and "BEACON_IMAP_HOST" in result.output
    instance.engine.dispose()


@pytest.mark.parametrize("fixture", ["bounce_dsn_no_report_type.eml", "bounce_qmail_plain.eml"])
def test_a_bounce_without_report_type_marks_the_reply_it_concerns_failed(
    mail_beacon: Beacon, tmp_path: Path, fixture: str
) -> None:
    from beacon.store.tables_outbox import OutboxEntry

    raw = fixture_bytes("email", fixture)
    reply_id = next(line.split("<", 1)[1].rstrip(">") for line in raw.decode().splitlines()
                    if line.startswith("Message-ID: <reply-"))
    with mail_beacon.session_factory.begin() as session:
        entry = OutboxEntry(kind="reply", channel="email", target="citizen@example.net",
                            payload={}, idempotency_key=f"k-{fixture}", status="sent",
                            provider_ref=reply_id)
        session.add(entry)
        session.flush()
        entry_id = entry.id
    path = tmp_path / fixture
    path.write_bytes(raw)
    assert _run("import", str(path)).exit_code == 0
    with mail_beacon.read_session_factory() as session:
        assert session.get_one(OutboxEntry, entry_id).status == "failed"
    [kept] = _messages(mail_beacon)
    assert kept.state == "automated"
