"""Strong keys of a channel identity, and weak evidence picked out of message text.

A strong key is something only one person uses: an E.164 phone number (the same on SMS and
WhatsApp) or an email address. Equal strong keys link identities to one person automatically.
Numbers and addresses *written in a message* are only evidence: people pass on others' numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

DEFAULT_REGION = "GB"
PHONE_CHANNELS = frozenset({"sms", "whatsapp"})
EMAIL_CHANNELS = frozenset({"email"})
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class Key:
    kind: str  # phone, email
    value: str


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 (+447700900123) for a valid-looking number, else None. '07700 900123' is GB."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str | None:
    """Lower-cased address, display name and angle brackets dropped; None if it is not one."""
    found = _EMAIL.search(raw.strip())
    return found.group(0).lower().rstrip(".") if found else None


def strong_keys(channel: str, external_id: str, handle: str | None) -> list[Key]:
    """The strong keys of an identity on a channel (none for social media handles)."""
    keys: list[Key] = []
    if channel in PHONE_CHANNELS:
        for raw in (external_id, handle or ""):
            phone = normalise_phone(raw) if raw else None
            if phone:
                keys.append(Key("phone", phone))
    elif channel in EMAIL_CHANNELS:
        for raw in (external_id, handle or ""):
            email = normalise_email(raw) if raw else None
            if email:
                keys.append(Key("email", email))
    return list(dict.fromkeys(keys))  # once each, in order


def keys_in_text(text: str, region: str = DEFAULT_REGION) -> list[Key]:
    """Phone numbers and email addresses written in a message: weak evidence only."""
    keys = [Key("email", m.group(0).lower().rstrip(".")) for m in _EMAIL.finditer(text)]
    # POSSIBLE, not VALID: Ofcom drama numbers and new ranges are real enough to be evidence.
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        keys.append(
            Key("phone", phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
        )
    return list(dict.fromkeys(keys))


def comparable_name(name: str | None) -> str:
    """Case, punctuation and extra spacing removed: 'Dan  Wilson.' -> 'dan wilson'."""
    if not name:
        return ""
    return " ".join(re.sub(r"[^\w\s]", " ", name.casefold()).split())
