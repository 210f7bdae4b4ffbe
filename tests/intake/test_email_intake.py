"""Email: plain, threaded replies, HTML-only with attachments, bounces, auto-replies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from intake_fixtures import RECEIVED, fixture_bytes

from beacon.intake import email_in
from beacon.intake.email_html import html_to_text
from beacon.intake.errors import PayloadMalformed, PayloadTooLarge
from beacon.intake.status import ReplyStatus
from beacon.messages import Channel


def _parse(name: str, **kwargs):
    return email_in.parse(fixture_bytes("email", name), received_at=RECEIVED, **kwargs)


def test_plain_citizen_mail() -> None:
    result = _parse("citizen_plain.eml")
    [message] = result.messages
    assert message.channel is Channel.EMAIL
    assert message.channel_account == "contact@example-police.uk"
    assert message.provider_message_id == "CAF=abc123.ruth@mail.example.org.uk"
    assert message.author.id == "r.okafor@example.org.uk" and message.author.name == "Ruth Okafor"
    assert message.text.startswith("Car broken into on Harehills Lane\n\nHello,")
    assert "window is smashed – the passenger" not in message.text  # soft line break rejoined
    assert "overnight – the passenger window" in message.text
    assert message.thread_ref == "email:CAF=abc123.ruth@mail.example.org.uk"
    assert message.reply_to is None
    assert message.created_at == datetime(2024, 11, 28, 13, 20, tzinfo=UTC)
    assert email_in.raw_bytes(message.raw) == fixture_bytes("email", "citizen_plain.eml")
    assert not result.automated and not result.statuses


def test_reply_threads_by_references_and_prefers_plain_text() -> None:
    [message] = _parse("reply_with_references.eml").messages
    assert message.reply_to == "reply-5f1c0a7e3b9d4c2e8a6f1b3d5c7e9a0b@beacon.example-police.uk"
    assert message.thread_ref == "email:CAF=abc123.ruth@mail.example.org.uk"
    assert "doorbell video" in message.text and "<div>" not in message.text


def test_html_only_mail_is_reduced_to_safe_text_and_attachments_recorded() -> None:
    [message] = _parse("html_only_with_attachment.eml").messages
    assert "burnt-out moped dumped on Oakwood Lane LS8 2PZ." in message.text
    assert "£30" in message.text and "it's been there" in message.text
    assert "alert" not in message.text and "color:red" not in message.text
    assert "<https://maps.example.com/?q=53.82,-1.51>" in message.text
    assert [(m.kind, m.name, m.mime_type) for m in message.media] == [
        ("image", "moped.jpg", "image/jpeg"),
        ("file", "statement.pdf", "application/pdf"),
    ]
    assert message.media[0].provider_id == "20241128164500.7731@example.net#0"


def test_bounce_is_automated_and_fails_our_reply() -> None:
    result = _parse("bounce_dsn.eml")
    assert not result.messages
    [bounce] = result.automated
    assert bounce.kind == "bounce" and "delivery-status" in bounce.reason
    [status] = result.statuses
    assert status.status is ReplyStatus.FAILED
    assert status.provider_message_id == (
        "reply-5f1c0a7e3b9d4c2e8a6f1b3d5c7e9a0b@beacon.example-police.uk"
    )
    assert status.error_code == "5.4.4" and "Host or domain name not found" in status.error_detail


@pytest.mark.parametrize(
    ("fixture", "reply_id", "reason"),
    [
        ("bounce_dsn_no_report_type.eml", "reply-7a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d",
         "a delivery-status part (no report-type)"),
        ("bounce_qmail_plain.eml", "reply-0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f",
         "sent by mailer-daemon with an empty Return-Path"),
        ("bounce_exim_plain.eml", "reply-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
         "X-Failed-Recipients header"),
    ],
)
def test_other_common_bounce_shapes_fail_our_reply(fixture: str, reply_id: str, reason: str) -> None:
    result = _parse(fixture)
    assert not result.messages
    [bounce] = result.automated
    assert (bounce.kind, bounce.reason) == ("bounce", reason)
    [status] = result.statuses
    assert status.status is ReplyStatus.FAILED
    assert status.provider_message_id == f"{reply_id}@beacon.example-police.uk"


def test_a_dsn_part_inside_multipart_mixed_is_a_bounce() -> None:
    raw = fixture_bytes("email", "bounce_dsn_no_report_type.eml").replace(
        b"Content-Type: multipart/report;", b"Content-Type: multipart/mixed;")
    result = email_in.parse(raw, received_at=RECEIVED)
    assert result.automated[0].kind == "bounce"
    assert result.statuses[0].error_code == "5.1.1"


def test_a_delay_warning_is_a_bounce_that_fails_nothing() -> None:
    result = _parse("bounce_exim_delayed.eml")
    assert result.automated[0].kind == "bounce" and not result.messages
    assert result.statuses == []


def test_auto_reply_is_not_triaged() -> None:
    result = _parse("auto_reply.eml")
    assert not result.messages and not result.statuses
    [auto] = result.automated
    assert auto.kind == "auto_reply" and auto.reason == "Auto-Submitted: auto-replied"
    assert auto.message.reply_to == "reply-0a0b0c0d0e0f@beacon.example-police.uk"


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ("Precedence: bulk\n", "auto_reply"),
        ("X-Autoreply: yes\n", "auto_reply"),
        ("Auto-Submitted: no\n", None),
        ("Subject: Out of Office: back Monday\n", "auto_reply"),
    ],
)
def test_automation_signals(headers: str, kind: str | None) -> None:
    raw = (
        f"From: a@example.com\nTo: contact@example-police.uk\n{headers}"
        "Message-ID: <x1@example.com>\n\nbody\n"
    ).encode()
    result = email_in.parse(raw)
    assert (result.automated[0].kind if result.automated else None) == kind


def test_mail_without_message_id_gets_a_stable_one() -> None:
    raw = b"From: a@example.com\nSubject: hi\n\nhello\n"
    first = email_in.parse(raw).messages[0].provider_message_id
    assert (
        first.startswith("sha256:") and first == email_in.parse(raw).messages[0].provider_message_id
    )


def test_mail_without_sender_is_malformed() -> None:
    with pytest.raises(PayloadMalformed):
        email_in.parse(b"Subject: no sender\n\nhello\n")


def test_size_limit() -> None:
    with pytest.raises(PayloadTooLarge):
        email_in.parse(b"From: a@example.com\n\n" + b"x" * 100, max_bytes=50)


def test_non_utf8_mail_is_kept_losslessly() -> None:
    raw = b"From: a@example.com\nContent-Type: text/plain; charset=latin-1\n\ncaf\xe9\n"
    [message] = email_in.parse(raw).messages
    assert message.text == "café"
    assert email_in.raw_bytes(message.raw) == raw


def test_html_to_text_drops_active_content() -> None:
    html = (
        "<p onclick='x()'>Hi<script>steal()</script></p><svg><script>x</script></svg>"
        "<iframe src='https://evil'></iframe><a href='javascript:alert(1)'>link</a>"
    )
    assert html_to_text(html) == "Hi\nlink"


def test_an_smtputf8_global_dsn_is_read_too() -> None:
    # RFC 6533: message/global-delivery-status, which the stdlib leaves as text.
    raw = fixture_bytes("email", "bounce_dsn_no_report_type.eml").replace(
        b"Content-Type: message/delivery-status", b"Content-Type: message/global-delivery-status")
    result = email_in.parse(raw, received_at=RECEIVED)
    [status] = result.statuses
    assert status.error_code == "5.1.1" and "does not exist" in (status.error_detail or "")
