"""Reply templates: fill in the person's name and the case reference, then check the text
against what the citizen's channel can carry, warning the handler before they press send.

Placeholders are `{person_name}`, `{case_reference}` and `{channel_name}`. Substitution is a
plain lookup of those names (never `str.format`), so an admin-edited template cannot reach
into Python objects.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from beacon.guidance.articles import ReplyTemplate

# Longest text each channel takes in one message. SMS is handled apart (parts and encodings).
CHANNEL_LIMITS: dict[str, int] = {
    "x": 10_000,  # direct message
    "whatsapp": 4_096,
    "telegram": 4_096,
    "facebook": 2_000,  # Messenger
    "instagram": 1_000,
}
CHANNEL_NAMES = {
    "x": "X", "facebook": "Facebook", "instagram": "Instagram", "whatsapp": "WhatsApp", "sms": "text",
    "email": "email", "webform": "the web form", "telegram": "Telegram", "api": "this channel",
}
SMS_MAX_PARTS = 6  # beyond this many parts, handsets and gateways become unreliable
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€")  # each takes two of the 160
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class RenderedReply:
    text: str
    warnings: tuple[str, ...] = ()
    limit: int | None = None  # the most characters the channel takes, if it has a limit


@dataclass(frozen=True)
class SmsLength:
    units: int  # GSM-7 septets, or UCS-2 characters
    unicode: bool
    parts: int
    max_units: int


def render_template(
    template: ReplyTemplate | str, *, person_name: str | None, case_reference: str, channel: str
) -> RenderedReply:
    text = template.text if isinstance(template, ReplyTemplate) else template
    values = {
        "person_name": (person_name or "").strip() or "there",
        "case_reference": case_reference,
        "channel_name": CHANNEL_NAMES.get(channel, channel),
    }
    unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(text)} - values.keys())
    filled = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text).strip()
    warnings = [f"unknown placeholder {{{name}}} left as it is" for name in unknown]
    if channel == "sms":
        return _fit_sms(filled, warnings)
    return _fit_limit(filled, CHANNEL_LIMITS.get(channel), channel, warnings)


def sms_length(text: str) -> SmsLength:
    unicode = any(ch not in _GSM7 and ch not in _GSM7_EXTENDED for ch in text)
    units = len(text) if unicode else sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
    single, per_part = (70, 67) if unicode else (160, 153)
    parts = 1 if units <= single else math.ceil(units / per_part)
    return SmsLength(units, unicode, parts, per_part * SMS_MAX_PARTS)


def _fit_sms(text: str, warnings: list[str]) -> RenderedReply:
    length = sms_length(text)
    if length.unicode:
        warnings.append("contains characters outside the SMS alphabet: each part holds 70, not 160")
    if length.units > length.max_units:
        text = _trim(text, length.max_units)
        warnings.append(f"too long for SMS: cut to {length.max_units} characters; check the ending")
        length = sms_length(text)
    if length.parts > 1:
        warnings.append(f"{length.units} characters: arrives as {length.parts} texts joined together")
    return RenderedReply(text, tuple(warnings), length.max_units)


def _fit_limit(text: str, limit: int | None, channel: str, warnings: list[str]) -> RenderedReply:
    if limit is not None and len(text) > limit:
        text = _trim(text, limit)
        warnings.append(f"{CHANNEL_NAMES.get(channel, channel)} takes {limit} characters: cut to fit")
    return RenderedReply(text, tuple(warnings), limit)


def _trim(text: str, limit: int) -> str:
    """Cut at the last whole word that fits, with an ellipsis, so no word is left half-sent."""
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:") + "…"
