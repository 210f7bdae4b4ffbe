"""Where a message is about: UK postcodes (full or district only) and gazetteer names, mapped to
a beat through the force-editable table in `data/beats.yaml`.

A full postcode is looked up by its sector ("BB11 1"), then by its district ("BB11"); a district
given alone by the district; a gazetteer name by the sector or district it is filed under. The
beats table's header explains the format; beat ids are stable (the control-room map keys on them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from beacon.triage.analysis import find_terms
from beacon.triage.lexicon import LexiconError, PhraseIndex, Term
from beacon.triage.text import tokenise

if TYPE_CHECKING:
    from beacon.messages import Place

DEFAULT_BEATS = Path(__file__).parent / "data" / "beats.yaml"
_FULL_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][ABD-HJLNP-UW-Z]{2})\b", re.I)
_DISTRICT = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\b", re.I)


@dataclass(frozen=True)
class District:
    code: str
    beat: str
    name: str


class PlaceFinder:
    def __init__(self, districts: dict[str, District], places: PhraseIndex,
                 sectors: dict[str, District] | None = None,
                 beats: dict[str, str] | None = None) -> None:
        self.districts = districts
        self.places = places
        self.sectors = sectors or {}
        self.beats = beats or {}  # beat id -> readable name (may be empty in a force's table)

    @classmethod
    def load(cls, path: Path | str | None = None) -> PlaceFinder:
        source = Path(path) if path is not None else DEFAULT_BEATS
        try:
            data = yaml.safe_load(source.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise LexiconError(f"cannot read beats table {source}: {error}") from error
        if not isinstance(data, dict) or not isinstance(data.get("districts"), dict):
            raise LexiconError(f"beats table {source} needs a 'districts' mapping")
        beats = {str(code): str(name) for code, name in (data.get("beats") or {}).items()}
        districts = _districts(data["districts"], source, "districts")
        sectors = _districts(data.get("sectors") or {}, source, "sectors")
        _check_beats(beats, [*districts.values(), *sectors.values()], source)
        places = _places(data.get("places") or {}, source, set(districts) | set(sectors))
        return cls(districts, places, sectors, beats)

    def find(self, text: str, given: Place | None = None, words: list[str] | None = None
             ) -> tuple[dict[str, Any] | None, str]:
        """The place and how it was found ("given", "postcode", "district", "gazetteer", "").

        `words`: `tokenise(text)` when the caller already has it (the engine does).
        """
        if given is not None:
            found = self._from_given(given)
            if found:
                return found, "given"
        full = _FULL_POSTCODE.search(text)
        if full:
            outward = full.group(1).upper()
            return self._describe(f"{outward} {full.group(2).upper()}", outward, None,
                                  f"{outward} {full.group(2)[0]}"), "postcode"
        for candidate in _DISTRICT.findall(text):
            if candidate.upper() in self.districts:
                return self._describe(None, candidate.upper(), None), "district"
        return self._gazetteer(text, words), "gazetteer"

    def _from_given(self, given: Place) -> dict[str, Any] | None:
        if given.postcode:
            full = _FULL_POSTCODE.fullmatch(given.postcode.strip())
            outward = full.group(1).upper() if full else given.postcode.strip().upper()
            postcode = f"{outward} {full.group(2).upper()}" if full else None
            sector = f"{outward} {full.group(2)[0]}" if full else None
            return self._describe(postcode, outward, given.name, sector)
        if given.name:
            return self._gazetteer(given.name) or {"postcode": None, "district": None,
                                                    "name": given.name, "beat": None}
        return None

    def _gazetteer(self, text: str, words: list[str] | None = None) -> dict[str, Any] | None:
        matches = find_terms(self.places, tokenise(text) if words is None else words)
        if not matches:
            return None
        term = max(matches, key=lambda match: len(match[0].tokens))[0]
        outward, _, digit = term.name.partition(" ")
        return self._describe(None, outward, term.phrase.title(), term.name if digit else None)

    def _describe(self, postcode: str | None, outward: str, name: str | None,
                  sector: str | None = None) -> dict[str, Any]:
        area = self.sectors.get(sector or "") or self.districts.get(outward)
        return {
            "postcode": postcode,
            "district": outward,
            "name": name or (area.name if area else None),
            "beat": area.beat if area else None,
        }


def _districts(spec: Any, source: Path, section: str) -> dict[str, District]:
    if not isinstance(spec, dict):
        raise LexiconError(f"{source}: {section} must be a mapping")
    districts = {}
    for code, value in spec.items():
        if not isinstance(value, dict) or "beat" not in value:
            raise LexiconError(f"{source}: {section}.{code} needs a beat")
        key = " ".join(str(code).upper().split())
        districts[key] = District(key, str(value["beat"]), str(value.get("name", code)))
    return districts


def _check_beats(beats: dict[str, str], areas: list[District], source: Path) -> None:
    """When the table lists its beats, every area must use one of them (catches typos in ids)."""
    unknown = sorted({area.beat for area in areas} - set(beats)) if beats else []
    if unknown:
        raise LexiconError(f"{source}: beats not listed under 'beats': {', '.join(unknown)}")


def _places(spec: dict[str, Any], source: Path, known: set[str]) -> PhraseIndex:
    if not isinstance(spec, dict):
        raise LexiconError(f"{source}: places must map names to postcode sectors or districts")
    index = PhraseIndex()
    for name, area in spec.items():
        code = " ".join(str(area).upper().split())
        if code not in known:
            raise LexiconError(f"{source}: places.{name}: {area!r} is not a listed sector or "
                               "district")
        words = tuple(tokenise(str(name)))
        if words:
            index.add(Term(str(name), words, 1.0, "place", code))
    return index
