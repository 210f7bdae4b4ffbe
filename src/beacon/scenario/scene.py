"""The shared state every storyline draws from: one seeded random, the clock of the night, keys.

Everything random goes through `Scene.rng`, so a seed fixes the whole night. Nothing reads the wall
clock: the night is 22:00 UTC on `night` to 07:00 UTC the next morning.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from beacon.messages import Place
from beacon.scenario.channels import ChannelKit
from beacon.scenario.force import STREETS, Street
from beacon.scenario.ids import ProviderIds
from beacon.scenario.people import CitizenFactory
from beacon.scenario.voice import casual, framed

T = TypeVar("T")
SHIFT_START = time(22, 0)
SHIFT_LENGTH = timedelta(hours=9)


class Scene:
    def __init__(self, seed: int, night: date) -> None:
        self.rng = random.Random(seed)
        self.ids = ProviderIds(self.rng)
        self.people = CitizenFactory(self.rng, self.ids)
        self.kit = ChannelKit(self.rng, self.ids)
        self.start = datetime.combine(night, SHIFT_START, tzinfo=UTC)
        self.end = self.start + SHIFT_LENGTH
        self._keys: Counter[str] = Counter()

    # --- time --------------------------------------------------------------------------------

    def at(self, hour: int, minute: int = 0, second: int = 0) -> datetime:
        """A clock time during the shift; hours before 22 are the next morning."""
        day = (
            self.start.date() if hour >= SHIFT_START.hour else self.start.date() + timedelta(days=1)
        )
        return datetime.combine(day, time(hour, minute, second), tzinfo=UTC)

    def between(self, earliest: datetime, latest: datetime) -> datetime:
        earliest, latest = max(earliest, self.start), min(latest, self.end - timedelta(seconds=1))
        span = int((latest - earliest).total_seconds())
        return earliest + timedelta(seconds=self.rng.randint(0, max(span, 0)))

    def anytime(self) -> datetime:
        return self.between(self.start, self.end)

    def after(self, moment: datetime, min_s: int, max_s: int) -> datetime:
        """A moment a little later, never past the end of the shift."""
        later = moment + timedelta(seconds=self.rng.randint(min_s, max_s))
        return min(later, self.end - timedelta(seconds=1))

    # --- places and words --------------------------------------------------------------------

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def street(self) -> Street:
        return self.rng.choice(STREETS)

    def address(self, street: Street) -> str:
        return f"{self.rng.randint(1, 120)} {street.name}, {street.postcode}"

    @staticmethod
    def place(street: Street, exact: bool = False) -> Place:
        name = f"{street.name}, {street.area}" if exact else street.area
        return Place(
            name=name, postcode=street.postcode if exact else None, lat=street.lat, lon=street.lon
        )

    def casual(self, text: str, mood: str = "neutral", roughness: float = 0.5) -> str:
        return casual(self.rng, text, mood, roughness)

    def framed(self, text: str) -> str:
        return framed(self.rng, text)

    # --- truth keys --------------------------------------------------------------------------

    def key(self, kind: str, name: str) -> str:
        """A readable, unique key such as `case:burglary-003`."""
        self._keys[f"{kind}:{name}"] += 1
        return f"{kind}:{name}-{self._keys[f'{kind}:{name}']:03d}"
