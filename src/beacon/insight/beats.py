"""Beats for the demand map: a force-editable file of beats, each with postcodes, named places
and a boundary polygon. Finds the beat of a message and draws the map as SVG shapes (no map
tiles: the control room may have no internet, and tiles would leak what we look at)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_BEATS_MAP = Path(__file__).parent / "data" / "beats.yaml"
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b", re.I)


class BeatMapError(ValueError):
    """The beats file cannot be used as it is."""


@dataclass(frozen=True)
class Beat:
    code: str
    name: str
    postcodes: tuple[str, ...]
    places: tuple[str, ...]
    polygon: tuple[tuple[float, float], ...]  # (longitude, latitude)


@dataclass(frozen=True)
class BeatShape:
    code: str
    name: str
    path: str  # SVG path data
    label_x: float
    label_y: float


class BeatMap:
    def __init__(self, town: str, beats: list[Beat]) -> None:
        self.town = town
        self.beats = beats
        self.codes = {b.code for b in beats}
        self._prefixes = sorted(((p, b.code) for b in beats for p in b.postcodes), key=lambda x: -len(x[0]))
        self._places = [(re.compile(r"\b" + re.escape(name) + r"\b"), b.code) for b in beats for name in b.places]

    @classmethod
    def load(cls, path: Path | None = None) -> BeatMap:
        source = path or DEFAULT_BEATS_MAP
        try:
            data = yaml.safe_load(source.read_text(encoding="utf-8"))
            return cls(str(data.get("town", "")), [_beat(item) for item in data["beats"]])
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as error:
            raise BeatMapError(f"cannot use beats map {source}: {error}") from error

    def beat_of(self, *, triage_beat: str | None = None, postcode: str | None = None, text: str = "",
                point: tuple[float, float] | None = None) -> str | None:
        """The beat code, trying the surest evidence first; None when nothing places it."""
        if triage_beat in self.codes:
            return triage_beat
        found = self._by_postcode(postcode) or self._by_postcode(_postcode_in(text))
        return found or self._by_place(text) or self._by_point(point)

    def _by_postcode(self, postcode: str | None) -> str | None:
        if not postcode:
            return None
        normal = _normal_postcode(postcode)
        return next((code for prefix, code in self._prefixes if _prefix_fits(prefix, normal)), None)

    def _by_place(self, text: str) -> str | None:
        lowered = text.lower()
        return next((code for pattern, code in self._places if pattern.search(lowered)), None)

    def _by_point(self, point: tuple[float, float] | None) -> str | None:
        if point is None:
            return None
        return next((b.code for b in self.beats if _inside(point, b.polygon)), None)

    def shapes(self, width: float = 640, height: float = 440, margin: float = 12) -> list[BeatShape]:
        """Polygons projected to SVG coordinates (equirectangular, corrected for latitude)."""
        points = [p for b in self.beats for p in b.polygon]
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        squash = math.cos(math.radians(sum(lats) / len(lats)))
        span_x, span_y = (max(lons) - min(lons)) * squash, max(lats) - min(lats)
        scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)

        def xy(lon: float, lat: float) -> tuple[float, float]:
            return (margin + (lon - min(lons)) * squash * scale, margin + (max(lats) - lat) * scale)

        shapes = []
        for beat in self.beats:
            projected = [xy(lon, lat) for lon, lat in beat.polygon]
            path = "M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in projected) + " Z"
            cx = sum(x for x, _ in projected) / len(projected)
            cy = sum(y for _, y in projected) / len(projected)
            shapes.append(BeatShape(beat.code, beat.name, path, round(cx, 1), round(cy, 1)))
        return shapes


def _beat(item: dict[str, Any]) -> Beat:
    polygon = tuple((float(lon), float(lat)) for lon, lat in item["polygon"])
    if len(polygon) < 3:
        raise ValueError(f"beat {item['code']} needs a polygon of three or more points")
    return Beat(str(item["code"]), str(item.get("name", item["code"])),
                tuple(_normal_postcode(p) for p in item.get("postcodes") or []),
                tuple(str(p).lower() for p in item.get("places") or []), polygon)


def _normal_postcode(text: str) -> str:
    full = _POSTCODE.fullmatch(text.strip())
    if full:
        return f"{full.group(1).upper()} {full.group(2).upper()}"
    return " ".join(text.upper().split())


def _prefix_fits(prefix: str, postcode: str) -> bool:
    """'BB12' fits 'BB12 0BX' but not 'BB1 2AA'; 'BB11 2D' fits 'BB11 2DL'."""
    if " " not in prefix:
        return postcode.split(" ")[0] == prefix
    return postcode.startswith(prefix)


def _postcode_in(text: str) -> str | None:
    found = _POSTCODE.search(text or "")
    return f"{found.group(1)} {found.group(2)}" if found else None


def _inside(point: tuple[float, float], polygon: tuple[tuple[float, float], ...]) -> bool:
    """Ray casting: count the edges a ray to the east crosses."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside
