"""Where a message is about: UK postcodes (full or district only) and gazetteer names, mapped to
a beat through the force-editable table in `data/beats.yaml`."""

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
    def __init__(self, districts: dict[str, District], places: PhraseIndex) -> None:
        self.districts = districts
        self.places = places

    @classmethod
    def load(cls, path: Path | str | None = None) -> PlaceFinder:
        source = Path(path) if path is not None else DEFAULT_BEATS
        try:
            data = yaml.safe_load(source.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise LexiconError(f"cannot read beats table {source}: {error}") from error
        if not isinstance(data, dict) or not isinstance(data.get("districts"), dict):
            raise LexiconError(f"beats table {source} needs a 'districts' mapping")
        return cls(_districts(data["districts"], source), _places(data.get("places") or {}, source))

    def find(self, text: str, given: Place | None = None) -> tuple[dict[str, Any] | None, str]:
        """The place and how it was found ("given", "postcode", "district", "gazetteer", "")."""
        if given is not None:
            found = self._from_given(given)
            if found:
                return found, "given"
        full = _FULL_POSTCODE.search(text)
        if full:
            outward = full.group(1).upper()
            return self._describe(f"{outward} {full.group(2).upper()}", outward, None), "postcode"
        for candidate in _DISTRICT.findall(text):
            if candidate.upper() in self.districts:
                return self._describe(None, candidate.upper(), None), "district"
        return self._gazetteer(text), "gazetteer"

    def _from_given(self, given: Place) -> dict[str, Any] | None:
        if given.postcode:
            full = _FULL_POSTCODE.fullmatch(given.postcode.strip())
            outward = full.group(1).upper() if full else given.postcode.strip().upper()
            postcode = f"{outward} {full.group(2).upper()}" if full else None
            return self._describe(postcode, outward, given.name)
        if given.name:
            return self._gazetteer(given.name) or {"postcode": None, "district": None,
                                                    "name": given.name, "beat": None}
        return None

    def _gazetteer(self, text: str) -> dict[str, Any] | None:
        matches = find_terms(self.places, tokenise(text))
        if not matches:
            return None
        term = max(matches, key=lambda match: len(match[0].tokens))[0]
        return self._describe(None, term.name, term.phrase.title())

    def _describe(self, postcode: str | None, outward: str, name: str | None) -> dict[str, Any]:
        district = self.districts.get(outward)
        return {
            "postcode": postcode,
            "district": outward,
            "name": name or (district.name if district else None),
            "beat": district.beat if district else None,
        }


def _districts(spec: dict[str, Any], source: Path) -> dict[str, District]:
    districts = {}
    for code, value in spec.items():
        if not isinstance(value, dict) or "beat" not in value:
            raise LexiconError(f"{source}: districts.{code} needs a beat")
        districts[str(code).upper()] = District(str(code).upper(), str(value["beat"]),
                                                str(value.get("name", code)))
    return districts


def _places(spec: dict[str, Any], source: Path) -> PhraseIndex:
    if not isinstance(spec, dict):
        raise LexiconError(f"{source}: places must map names to postcode districts")
    index = PhraseIndex()
    for name, district in spec.items():
        words = tuple(tokenise(str(name)))
        if words:
            index.add(Term(str(name), words, 1.0, "place", str(district).upper()))
    return index
