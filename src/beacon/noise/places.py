"""Where reports are about, and whether two sets of places can be one incident.

Postcodes compare by district (the outward code, a few km across), beats by name, points by
distance. Unknown places never keep reports apart: most posts carry no place.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})?$")
_MAX_POINTS = 8


def postcode_district(postcode: str | None) -> str | None:
    """The outward code of a UK postcode ("GU1 4AA" -> "GU1"); None when it is not one."""
    if not postcode:
        return None
    match = _POSTCODE.match(postcode.strip().upper())
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class ReportPlace:
    district: str | None = None
    beat: str | None = None
    point: tuple[float, float] | None = None

    @property
    def known(self) -> bool:
        return bool(self.district or self.beat or self.point)

    def labels(self) -> list[str]:
        return [label for label in (self.district, self.beat) if label]


UNKNOWN_PLACE = ReportPlace()


@dataclass(slots=True)
class PlaceSet:
    districts: set[str] = field(default_factory=set)
    beats: set[str] = field(default_factory=set)
    points: list[tuple[float, float]] = field(default_factory=list)

    def add(self, place: ReportPlace) -> None:
        if place.district:
            self.districts.add(place.district)
        if place.beat:
            self.beats.add(place.beat)
        if place.point and len(self.points) < _MAX_POINTS:
            self.points.append(place.point)

    def update(self, other: PlaceSet) -> None:
        self.districts |= other.districts
        self.beats |= other.beats
        self.points = (self.points + other.points)[:_MAX_POINTS]

    def compatible(self, place: ReportPlace, radius_km: float) -> bool:
        """False only when both sides know the same kind of place and none of them agree."""
        checks: list[bool] = []
        if place.district and self.districts:
            checks.append(place.district in self.districts)
        if place.beat and self.beats:
            checks.append(place.beat in self.beats)
        if place.point and self.points:
            checks.append(any(_km(place.point, p) <= radius_km for p in self.points))
        return not checks or any(checks)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2
    ) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))
