"""Provider-shaped identifiers, drawn from the scenario's seeded random source.

Each channel's ids look like the real provider's so that intake and de-duplication code meets the
shapes it will meet in production: X snowflakes, Messenger `m_` mids, WhatsApp `wamid.`, Twilio
`SM` sids, RFC 5322 Message-IDs. Uniqueness is checked here because collisions would silently
merge two messages downstream.
"""

from __future__ import annotations

import base64
import random
import string
import uuid
from collections.abc import Callable
from datetime import datetime

# X snowflakes count milliseconds from this epoch (2010-11-04T01:42:54.657Z).
_TWITTER_EPOCH_MS = 1_288_834_974_657
_URLSAFE = string.ascii_letters + string.digits + "-_"
_HEX = "0123456789abcdef"


class ProviderIds:
    """Makes ids that never repeat within one scenario."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._issued: set[str] = set()

    def _unique(self, make: Callable[[], str]) -> str:
        while True:
            value = make()
            if value not in self._issued:
                self._issued.add(value)
                return value

    def digits(self, length: int) -> str:
        first = str(self._rng.randint(1, 9))
        rest = "".join(self._rng.choice(string.digits) for _ in range(length - 1))
        return first + rest

    def numeric(self, length: int) -> str:
        return self._unique(lambda: self.digits(length))

    def snowflake(self, at: datetime) -> str:
        """An X post or DM event id that encodes its own creation time, as real ones do."""

        def make() -> str:
            millis = int(at.timestamp() * 1000) - _TWITTER_EPOCH_MS + self._rng.randint(0, 999)
            return str(
                (millis << 22) | (self._rng.getrandbits(10) << 12) | self._rng.getrandbits(12)
            )

        return self._unique(make)

    def messenger_mid(self) -> str:
        return self._unique(lambda: "m_" + self._token(86))

    def instagram_mid(self) -> str:
        return self._unique(lambda: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx" + self._token(40))

    def wamid(self, sender_digits: str) -> str:
        """WhatsApp message ids are base64 of a protobuf that starts with the sender's number."""

        def make() -> str:
            body = b"\x18\x0c" + sender_digits.encode() + b"\x15\x02\x00\x12\x18\x14"
            body += self._rng.randbytes(10).hex().upper().encode()
            return "wamid." + base64.b64encode(body).decode().rstrip("=")

        return self._unique(make)

    def twilio_sid(self, prefix: str = "SM") -> str:
        return self._unique(lambda: prefix + "".join(self._rng.choice(_HEX) for _ in range(32)))

    def email_message_id(self, domain: str) -> str:
        return self._unique(lambda: f"<CA{self._token(40)}@{domain}>")

    def uuid4(self) -> str:
        return self._unique(lambda: str(uuid.UUID(int=self._rng.getrandbits(128), version=4)))

    def _token(self, length: int) -> str:
        return "".join(self._rng.choice(_URLSAFE) for _ in range(length))
