"""Mail import (eml, mbox, Maildir), the IMAP poller with a fake server, and SMTP replies."""

from __future__ import annotations

import mailbox
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from intake_fixtures import FIXTURES, RECEIVED, fixture_bytes

from beacon.intake import email_in
from beacon.intake.email_import import RawMail, import_path, poll_imap, read_path
from beacon.intake.email_out import (
    SmtpAccount,
    build_reply,
    reply_message_id,
    send_email,
    subject_of,
)
from beacon.intake.outbound import ReplyTarget
from beacon.intake.status import ReplyStatus

EMAIL = FIXTURES / "email"


def test_import_single_eml() -> None:
    [imported] = list(import_path(EMAIL / "citizen_plain.eml", received_at=RECEIVED))
    assert imported.error is None and imported.result and len(imported.result.messages) == 1


def test_import_mbox_separates_citizen_mail_from_bounces() -> None:
    imported = list(import_path(EMAIL / "sample.mbox"))
    assert [i.source.rsplit("#", 1)[1] for i in imported] == ["0", "1", "2"]
    kinds = [("message" if i.result.messages else "automated") for i in imported if i.result]
    assert kinds == ["message", "message", "automated"]


def test_import_maildir(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(fixture_bytes("email", "citizen_plain.eml"))
    box.add(fixture_bytes("email", "reply_with_references.eml"))
    box.add(b"Subject: junk\n\nno sender here\n")
    box.close()
    imported = list(import_path(tmp_path / "Maildir", channel_account="contact@example-police.uk"))
    assert len(imported) == 3
    assert sum(1 for i in imported if i.error) == 1
    assert all(i.source.startswith("maildir:") for i in imported)


def test_folder_of_eml_files(tmp_path: Path) -> None:
    for name in ("citizen_plain.eml", "auto_reply.eml"):
        (tmp_path / name).write_bytes(fixture_bytes("email", name))
    assert [Path(m.source).name for m in read_path(tmp_path)] == [
        "auto_reply.eml",
        "citizen_plain.eml",
    ]


class FakeImap:
    """Enough of an IMAP server: two unseen mails, flags recorded."""

    def __init__(self, mails: dict[str, bytes]) -> None:
        self.mails = mails
        self.seen: list[str] = []

    def select(self, mailbox: str = "INBOX", readonly: bool = False) -> tuple[str, list[Any]]:
        return "OK", [str(len(self.mails)).encode()]

    def uid(self, command: str, *args: Any) -> tuple[str, list[Any]]:
        if command == "SEARCH":
            unseen = [u for u in self.mails if u not in self.seen]
            return "OK", [" ".join(unseen).encode()]
        if command == "FETCH":
            uid = args[0]
            return "OK", [(f"{uid} (UID {uid} BODY[] {{10}}".encode(), self.mails[uid]), b")"]
        if command == "STORE":
            self.seen.append(args[0])
            return "OK", []
        raise AssertionError(command)


def test_poll_marks_seen_only_after_the_handler_succeeds() -> None:
    server = FakeImap(
        {
            "41": fixture_bytes("email", "citizen_plain.eml"),
            "42": fixture_bytes("email", "auto_reply.eml"),
        }
    )
    stored: list[str] = []

    def store(mail: RawMail) -> None:
        if mail.source.endswith("/42"):
            raise RuntimeError("database unavailable")
        stored.append(email_in.parse(mail.data).messages[0].provider_message_id)

    report = poll_imap(server, store)
    assert report.handled == ["41"] and report.failed == {"42": "RuntimeError"}
    assert server.seen == ["41"] and stored == ["CAF=abc123.ruth@mail.example.org.uk"]
    second = poll_imap(server, lambda mail: None)  # the failed one is offered again
    assert second.handled == ["42"]


ACCOUNT = SmtpAccount(
    host="localhost", from_address="contact@example-police.uk", security="none", port=2525
)


def _ruth_reply() -> tuple[ReplyTarget, str]:
    [message] = email_in.parse(fixture_bytes("email", "reply_with_references.eml")).messages
    return ReplyTarget.for_message(message), subject_of(message)


def test_reply_is_threaded_with_a_stable_message_id() -> None:
    target, subject = _ruth_reply()
    mail = build_reply(
        target,
        "Yes please, reply with the video attached.",
        account=ACCOUNT,
        subject=subject,
        idempotency_key="reply-42",
    )
    again = build_reply(
        target,
        "Yes please, reply with the video attached.",
        account=ACCOUNT,
        subject=subject,
        idempotency_key="reply-42",
    )
    assert mail["Message-ID"] == again["Message-ID"]
    assert mail["Message-ID"] == f"<{reply_message_id('reply-42', ACCOUNT.from_address)}>"
    assert mail["Subject"] == "Re: Car broken into on Harehills Lane [Ref 13/240001]"
    assert mail["To"] == "r.okafor@example.org.uk"
    assert mail["In-Reply-To"] == "<CAF=def456.ruth@mail.example.org.uk>"
    assert mail["References"] == (
        "<CAF=abc123.ruth@mail.example.org.uk> <CAF=def456.ruth@mail.example.org.uk>"
    )


class FakeSmtp:
    def __init__(self, fail: Exception | None = None, quit_fails: bool = False) -> None:
        self.sent: list[EmailMessage] = []
        self.fail = fail
        self.quit_fails = quit_fails

    def send_message(self, mail: EmailMessage) -> None:
        if self.fail:
            raise self.fail
        self.sent.append(mail)

    def quit(self) -> None:
        if self.quit_fails:
            raise smtplib.SMTPServerDisconnected("gone")

    def close(self) -> None:
        pass


def test_send_email_outcomes() -> None:
    target, subject = _ruth_reply()
    mail = build_reply(target, "Thanks", account=ACCOUNT, subject=subject, idempotency_key="k")
    server = FakeSmtp(quit_fails=True)
    ok = send_email(mail, ACCOUNT, connect=lambda account: server)  # type: ignore[arg-type,return-value]
    assert ok.status is ReplyStatus.SENT and ok.provider_message_id == reply_message_id(
        "k", ACCOUNT.from_address
    )
    assert len(server.sent) == 1
    cases = [
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), "credentials", False),
        (smtplib.SMTPDataError(451, b"try later"), "smtp_451", True),
        (smtplib.SMTPDataError(554, b"rejected"), "smtp_554", False),
        (ConnectionRefusedError(), "transport", True),
    ]
    for error, code, retryable in cases:
        outcome = send_email(mail, ACCOUNT, connect=lambda account, e=error: FakeSmtp(e))  # type: ignore[misc]
        assert (outcome.error_code, outcome.retryable) == (code, retryable)
