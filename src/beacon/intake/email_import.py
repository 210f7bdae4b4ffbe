"""Mail from files and mailboxes: .eml files, mbox files, Maildir folders, and IMAP over TLS.

`read_path` yields each mail's raw bytes with a label saying where it came from; `import_path`
parses them. `poll_imap` fetches unseen mail and marks a mail seen only after the caller's
handler returns, so a crash before the store commits leaves it for the next poll.
"""

from __future__ import annotations

import imaplib
import mailbox
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from beacon.intake import email_in
from beacon.intake.errors import IntakeError
from beacon.intake.results import ParseResult


@dataclass(frozen=True)
class RawMail:
    source: str  # file path, "mbox:<path>#<n>", "maildir:<path>/<key>" or "imap:<folder>/<uid>"
    data: bytes


def read_path(path: Path) -> Iterator[RawMail]:
    """Every mail at `path`: a Maildir folder, a folder of .eml files, an mbox or an .eml file."""
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            yield from _maildir(path)
        else:
            for file in sorted(path.glob("*.eml")):
                yield RawMail(str(file), file.read_bytes())
    elif path.suffix.lower() == ".eml" or not _looks_like_mbox(path):
        yield RawMail(str(path), path.read_bytes())
    else:
        yield from _mbox(path)


def _looks_like_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def _mbox(path: Path) -> Iterator[RawMail]:
    box = mailbox.mbox(path, create=False)
    try:
        for index, key in enumerate(box.keys()):
            yield RawMail(f"mbox:{path}#{index}", box.get_bytes(key))
    finally:
        box.close()


def _maildir(path: Path) -> Iterator[RawMail]:
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.keys()):
        yield RawMail(f"maildir:{path}/{key}", box.get_bytes(key))


@dataclass(frozen=True)
class ImportedMail:
    source: str
    raw: bytes
    result: ParseResult | None = None
    error: IntakeError | None = None  # set when the mail could not be read: dead-letter it


def import_path(
    path: Path, *, channel_account: str | None = None, received_at: datetime | None = None
) -> Iterator[ImportedMail]:
    for mail in read_path(path):
        yield parse_mail(mail, channel_account=channel_account, received_at=received_at)


def parse_mail(
    mail: RawMail, *, channel_account: str | None = None, received_at: datetime | None = None
) -> ImportedMail:
    try:
        result = email_in.parse(mail.data, channel_account=channel_account, received_at=received_at)
    except IntakeError as error:
        return ImportedMail(mail.source, mail.data, error=error)
    return ImportedMail(mail.source, mail.data, result=result)


class ImapConnection(Protocol):
    """The part of imaplib.IMAP4 the poller uses (so tests can pass a fake)."""

    def select(self, mailbox: str = ..., readonly: bool = ...) -> tuple[str, list[Any]]: ...
    def uid(self, command: str, *args: Any) -> tuple[str, list[Any]]: ...


def connect_imap(
    host: str,
    username: str,
    password: str,
    *,
    port: int = 993,
    timeout: float = 30.0,
    ssl_context: ssl.SSLContext | None = None,
) -> imaplib.IMAP4_SSL:
    """An authenticated IMAP connection over TLS, certificate and host name checked."""
    context = ssl_context or ssl.create_default_context()
    connection = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=timeout)
    connection.login(username, password)
    return connection


@dataclass
class PollReport:
    handled: list[str] = field(default_factory=list)  # UIDs marked seen
    failed: dict[str, str] = field(default_factory=dict)  # UID -> error type, left unseen


def poll_imap(
    connection: ImapConnection,
    handle: Callable[[RawMail], None],
    *,
    folder: str = "INBOX",
    limit: int = 200,
) -> PollReport:
    """Give each unseen mail to `handle` (which stores and commits), then mark it seen."""
    report = PollReport()
    status, _ = connection.select(folder)
    if status != "OK":
        raise imaplib.IMAP4.error(f"cannot select folder {folder!r}")
    _, found = connection.uid("SEARCH", "UNSEEN")
    uids = [uid.decode() for uid in (found[0] or b"").split()][:limit]
    for uid in uids:
        data = _fetch(connection, uid)
        if data is None:
            report.failed[uid] = "fetch"
            continue
        try:
            handle(RawMail(f"imap:{folder}/{uid}", data))
        except Exception as error:  # noqa: BLE001 - keep the mail unseen and go on to the next
            report.failed[uid] = type(error).__name__
            continue
        connection.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        report.handled.append(uid)
    return report


def _fetch(connection: ImapConnection, uid: str) -> bytes | None:
    """BODY.PEEK fetches without setting \\Seen: the flag is set only once the mail is stored."""
    status, parts = connection.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for part in parts:
        if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
            return part[1]
    return None
