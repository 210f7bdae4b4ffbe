"""Outbox senders for replies, one per channel, built on the intake modules' `build_reply`.

A reply entry's payload holds the text and the `ReplyTarget` fields. The sender builds the
provider request with the channel module (base URL and token from `Settings`), sends it with
`outbound.send` carrying the entry's idempotency key, and turns the `ReplyOutcome` into a
`SendResult`: retryable failures are retried by the dispatcher with backoff; `credentials`
failures are final and show on the channel health page.

A channel (or account) with no credentials gets the log-only sender: the reply is written to
the log and recorded as sent with provider ref `log-only`, so the demo's reply flow works
offline; the case page says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx

from beacon.config import Settings
from beacon.intake import email_out, meta_reply, outbound, telegram, twilio_sms, whatsapp, x
from beacon.intake.email_out import SmtpAccount, SmtpFactory, open_smtp
from beacon.intake.errors import ReplyError
from beacon.intake.outbound import ProviderRequest, ReplyOutcome, ReplyTarget, ResponseReader
from beacon.messages import Channel
from beacon.outbox.dispatch import Sender, SendResult
from beacon.store.tables_outbox import OutboxEntry

log = logging.getLogger(__name__)

LOG_ONLY = "log-only"
# target, text, idempotency key -> the provider request; None: no credentials for that account
Builder = Callable[[ReplyTarget, str, str], ProviderRequest | None]


def reply_target(entry: OutboxEntry) -> ReplyTarget:
    fields: dict[str, Any] = dict(entry.payload["target"])
    fields["channel"] = Channel(fields["channel"])
    return ReplyTarget(**fields)


def result_of(outcome: ReplyOutcome) -> SendResult:
    if outcome.ok:
        return SendResult(True, provider_ref=outcome.provider_message_id)
    detail = f"{outcome.error_code}: {outcome.error_detail or ''}".strip()
    return SendResult(False, error=detail, retry=outcome.retryable)


def log_only(entry: OutboxEntry) -> SendResult:
    log.warning("reply %s on %s not sent: no credentials configured (log only): %s",
                entry.idempotency_key, entry.channel, entry.payload.get("text", "")[:200])
    return SendResult(True, provider_ref=LOG_ONLY)


class HttpReplySender:
    """Sends through a provider's HTTP API; the same client (and its pool) for every reply."""

    def __init__(self, build: Builder, read: ResponseReader, client: httpx.Client) -> None:
        self._build = build
        self._read = read
        self._client = client

    def send(self, entry: OutboxEntry) -> SendResult:
        try:
            request = self._build(reply_target(entry), entry.payload["text"], entry.idempotency_key)
        except ReplyError as error:
            return SendResult(False, error=f"{error.code}: {error}", retry=False)
        if request is None:
            return log_only(entry)
        return result_of(outbound.send(self._client, request, self._read))


class SmtpReplySender:
    def __init__(self, account: SmtpAccount | None, connect: SmtpFactory = open_smtp) -> None:
        self._account = account
        self._connect = connect

    def send(self, entry: OutboxEntry) -> SendResult:
        if self._account is None:
            return log_only(entry)
        try:
            mail = email_out.build_reply(
                reply_target(entry), entry.payload["text"], account=self._account,
                subject=entry.payload.get("subject") or "Your message to the police",
                idempotency_key=entry.idempotency_key,
            )
        except ReplyError as error:
            return SendResult(False, error=f"{error.code}: {error}", retry=False)
        return result_of(email_out.send_email(mail, self._account, connect=self._connect))


class LogOnlySender:
    def send(self, entry: OutboxEntry) -> SendResult:
        return log_only(entry)


def smtp_account(settings: Settings) -> SmtpAccount | None:
    if not settings.smtp_host or not settings.mail_address:
        return None
    return SmtpAccount(
        host=settings.smtp_host, from_address=settings.mail_address,
        username=settings.smtp_user or None,
        password=settings.smtp_password.get_secret_value() or None,
        port=settings.smtp_port, security=settings.smtp_security,
    )


def _token(tokens: dict[str, Any], account: str) -> str:
    secret = tokens.get(account)
    return secret.get_secret_value() if secret is not None else ""


def _builders(settings: Settings) -> dict[str, tuple[Builder, ResponseReader]]:
    def meta_build(target: ReplyTarget, text: str, key: str) -> ProviderRequest | None:
        token = _token(settings.meta_page_tokens, target.channel_account)
        account = meta_reply.MetaAccount(target.channel_account, token, settings.meta_base_url)
        return meta_reply.build_reply(target, text, account=account, idempotency_key=key) if token else None

    def whatsapp_build(target: ReplyTarget, text: str, key: str) -> ProviderRequest | None:
        token = _token(settings.whatsapp_tokens, target.channel_account)
        account = whatsapp.WhatsAppAccount(target.channel_account, token, settings.whatsapp_base_url)
        return whatsapp.build_reply(target, text, account=account, idempotency_key=key) if token else None

    def sms_build(target: ReplyTarget, text: str, key: str) -> ProviderRequest | None:
        auth = settings.twilio_auth_token.get_secret_value()
        if not auth or not settings.twilio_account_sid:
            return None
        callback = (settings.public_base_url.rstrip("/") + "/webhooks/twilio/sms"
                    if settings.public_base_url else None)
        account = twilio_sms.TwilioAccount(
            settings.twilio_account_sid, auth, from_number=settings.twilio_from_number or None,
            status_callback_url=callback, base_url=settings.twilio_base_url,
        )
        return twilio_sms.build_reply(target, text, account=account, idempotency_key=key)

    def x_build(target: ReplyTarget, text: str, key: str) -> ProviderRequest | None:
        token = _token(settings.x_user_tokens, target.channel_account)
        return x.build_reply(target, text, access_token=token, idempotency_key=key,
                             base_url=settings.x_base_url) if token else None

    def telegram_build(target: ReplyTarget, text: str, key: str) -> ProviderRequest | None:
        token = settings.telegram_bot_token.get_secret_value()
        bot = telegram.TelegramBot(settings.telegram_bot_name, token, settings.telegram_base_url)
        return telegram.build_reply(target, text, bot=bot, idempotency_key=key) if token else None

    return {
        Channel.FACEBOOK.value: (meta_build, meta_reply.read_reply_response),
        Channel.INSTAGRAM.value: (meta_build, meta_reply.read_reply_response),
        Channel.WHATSAPP.value: (whatsapp_build, whatsapp.read_reply_response),
        Channel.SMS.value: (sms_build, twilio_sms.read_reply_response),
        Channel.X.value: (x_build, x.read_reply_response),
        Channel.TELEGRAM.value: (telegram_build, telegram.read_reply_response),
    }


def reply_senders(
    settings: Settings, client: httpx.Client, connect_smtp: SmtpFactory = open_smtp
) -> dict[str, Sender]:
    """A sender for every channel a reply can go out on (`log` for those that have none)."""
    senders: dict[str, Sender] = {
        name: HttpReplySender(build, read, client)
        for name, (build, read) in _builders(settings).items()
    }
    senders[Channel.EMAIL.value] = SmtpReplySender(smtp_account(settings), connect_smtp)
    senders["log"] = LogOnlySender()
    return senders


def sends_for_real(settings: Settings, channel: str, account: str) -> bool:
    """Whether a reply on this channel account reaches the citizen (False: log only)."""
    if channel == Channel.EMAIL.value:
        return smtp_account(settings) is not None
    built = _builders(settings).get(channel)
    if built is None:
        return False
    probe = ReplyTarget(Channel(channel), account, "probe", thread_ref="dm:probe")
    try:
        return built[0](probe, "probe", "probe") is not None
    except ReplyError:
        return True
