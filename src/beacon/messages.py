"""The one normalised inbound message every channel is turned into.

Each intake module (X, Meta, WhatsApp, SMS, email, web form, the generic JSON API, file replay)
produces `InboundMessage`; everything after intake reads only this shape. The provider's own
payload travels along verbatim in `raw` so nothing is lost in translation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from beacon.storable import storable_text, without_surrogates


class Channel(StrEnum):
    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    EMAIL = "email"
    WEBFORM = "webform"
    TELEGRAM = "telegram"
    API = "api"


class StorableModel(BaseModel):
    """Every text field arrives with NUL and lone surrogates replaced (see `beacon.storable`);
    `raw` keeps NUL, since the provider's payload is kept as it came."""

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name == "raw":
            return without_surrogates(value)
        return storable_text(value) if isinstance(value, str) else value


class MediaRef(StorableModel):
    """A picture, video, voice note or attachment; Beacon stores the reference, not the bytes."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="image, video, audio, file or sticker", max_length=32)
    url: str | None = Field(default=None, max_length=2048)
    provider_id: str | None = Field(default=None, max_length=256)
    mime_type: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=512)


class Place(StorableModel):
    """Where the citizen says, or the provider reports, the message is about."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=512)
    postcode: str | None = Field(default=None, max_length=16)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class Author(StorableModel):
    """Who sent it, as the channel knows them: a handle, page-scoped id, phone number or address."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=256, description="stable id on the channel")
    handle: str | None = Field(default=None, max_length=256, description="@name, phone or email")
    name: str | None = Field(default=None, max_length=256, description="display name")


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


class InboundMessage(StorableModel):
    """A citizen's message as Beacon sees it, whatever channel it came in on."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    channel_account: str = Field(
        min_length=1, max_length=256, description="the force's account that received it"
    )
    provider_message_id: str = Field(
        min_length=1, max_length=256, description="the provider's id; unique per channel account"
    )
    author: Author
    text: str = Field(default="", max_length=20_000)
    language: str | None = Field(default=None, max_length=16, description="BCP 47 tag if known")
    media: list[MediaRef] = Field(default_factory=list, max_length=50)
    reply_to: str | None = Field(default=None, max_length=256, description="provider id replied to")
    thread_ref: str | None = Field(default=None, max_length=512, description="conversation id")
    shared_of: str | None = Field(
        default=None, max_length=256, description="provider id of the post this shares or retweets"
    )
    created_at: datetime = Field(description="when the citizen sent it (UTC)")
    received_at: datetime = Field(default_factory=utc_now, description="when Beacon got it (UTC)")
    place: Place | None = None
    raw: dict[str, Any] | list[Any] | str | None = Field(
        default=None, description="the provider's payload, kept verbatim"
    )

    @field_validator("created_at", "received_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return _utc(value)
