"""The force's public web form: validate what a citizen typed and turn it into an InboundMessage.

Pure (no web framework, no database) so the rules can be tested alone; `beacon.web.webform`
is the thin page around it. The reply side (`outbox.replies`) reads `raw["contact"]` and
`raw["consent_to_reply"]`: keep that shape.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import phonenumbers

from beacon.messages import Author, Channel, InboundMessage, Place

MESSAGE_MAX = 5000
NAME_MAX = 200
WHERE_MAX = 300
CONTACT_MAX = 254  # the longest email address that can be delivered
# Deliberately simple: one @, something either side, a dot in the domain. Real checking is the
# reply being delivered; a stricter pattern mostly refuses unusual but valid addresses.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# Ofcom keeps 07700 900000-900999 for drama; phonenumbers calls them invalid, but demos, tests
# and training use them, and a reply to one harms nobody.
OFCOM_DRAMA_MOBILE = "7700900"
FIELDS = ("message", "where", "name", "contact", "consent_to_reply", "submission")


@dataclass(frozen=True)
class Cleaned:
    """A valid submission. `contact` is a lower-cased email address or an E.164 number."""

    message: str
    where: str
    name: str
    contact: str
    consent_to_reply: bool
    submission: str  # uuid4 from the form: a double submit is one message


@dataclass(frozen=True)
class Checked:
    cleaned: Cleaned | None
    errors: dict[str, str]  # field name -> what to do, in the order the fields appear
    values: dict[str, str]  # what was typed, to show again with the errors


def new_submission_id() -> str:
    return str(uuid.uuid4())


def check(form: Mapping[str, str]) -> Checked:
    """Validate a posted form. Never raises: bad input becomes a message naming the field."""
    values = {name: str(form.get(name, "") or "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    message = values["message"]
    if not message:
        errors["message"] = "Tell us what you want to report or ask"
    elif len(message) > MESSAGE_MAX:
        errors["message"] = f"Your message must be {MESSAGE_MAX} characters or fewer"
    if len(values["where"]) > WHERE_MAX:
        errors["where"] = f"The place must be {WHERE_MAX} characters or fewer"
    if len(values["name"]) > NAME_MAX:
        errors["name"] = f"Your name must be {NAME_MAX} characters or fewer"
    consent = values["consent_to_reply"] in ("yes", "on", "true", "1")
    contact, contact_error = normalise_contact(values["contact"])
    if contact_error:
        errors["contact"] = contact_error
    elif consent and not contact:
        errors["contact"] = "Give an email address or phone number so we can reply, or untick the box"
    if errors:
        return Checked(None, errors, values)
    submission = values["submission"] if _is_uuid4(values["submission"]) else new_submission_id()
    cleaned = Cleaned(message, values["where"], values["name"], contact, consent, submission)
    return Checked(cleaned, {}, values)


def normalise_contact(value: str) -> tuple[str, str | None]:
    """(email lower-cased or phone in E.164, None) or ("", what is wrong). Empty is allowed."""
    if not value:
        return "", None
    if len(value) > CONTACT_MAX:
        return "", f"The contact detail must be {CONTACT_MAX} characters or fewer"
    if "@" in value:
        if EMAIL.match(value):
            return value.lower(), None
        return "", "Enter an email address in the right format, like name@example.com"
    return _uk_phone(value)


def _uk_phone(value: str) -> tuple[str, str | None]:
    problem = "Enter a UK phone number, like 07700 900982, or an email address"
    if not re.fullmatch(r"[0-9 +()\-.]{7,25}", value):
        return "", problem
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return "", problem
    national = str(number.national_number)
    drama = number.country_code == 44 and national.startswith(OFCOM_DRAMA_MOBILE)
    if not (phonenumbers.is_valid_number(number) or (drama and len(national) == 10)):
        return "", problem
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def _is_uuid4(value: str) -> bool:
    try:
        return uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def reference_of(submission: str) -> str:
    """The short reference the citizen is shown; the start of the message's provider id."""
    return "WF-" + submission.replace("-", "")[:8].upper()


def build_message(cleaned: Cleaned, *, account: str, now: datetime) -> InboundMessage:
    """The submission as Beacon's one message shape. No client address is kept (not needed)."""
    if cleaned.contact:
        author = Author(id=cleaned.contact, handle=cleaned.contact, name=cleaned.name or None)
    else:  # nothing to link on: each anonymous submission is its own author
        author = Author(id=f"anonymous:{cleaned.submission}", name=cleaned.name or None)
    raw = {
        "form": account,
        "submission_id": cleaned.submission,
        "reference": reference_of(cleaned.submission),
        "submitted_at": now.isoformat(),
        "contact": cleaned.contact or None,
        "consent_to_reply": cleaned.consent_to_reply,
        "fields": {"message": cleaned.message, "where": cleaned.where, "name": cleaned.name},
    }
    return InboundMessage(
        channel=Channel.WEBFORM, channel_account=account, provider_message_id=cleaned.submission,
        author=author, text=cleaned.message, created_at=now, received_at=now,
        place=Place(name=cleaned.where) if cleaned.where else None, raw=raw,
    )
