"""What a handler typed, read as what to look for: references, phone numbers, addresses,
handles and words. Pure: no database here, so every rule is a unit test.

"07700 900123" is the phone number +447700900123 (the force's region, GB, fills in the country);
"BC-261128-0042" is a case reference; "WB-46103-25" a crime number; "ann@example.org" an
address; "@dan_w" a handle; everything else is words. All of them must appear in a record's
text for it to match by text; the identifiers are also looked up exactly where they are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers

from beacon.people.normalise import DEFAULT_REGION, normalise_email
from beacon.routing.attach import BEACON_REFERENCE, OTHER_REFERENCE, beacon_references, other_references

MAX_LENGTH = 200  # longer is not a search, and would make the engines work for nothing
MAX_TERMS = 12
MIN_PHONE_DIGITS = 7
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_HANDLE = re.compile(r"(?<![\w@])@(\w{1,64})")
_WORD = re.compile(r"\w")


class BadQuery(ValueError):
    """Not something to search for; `code` is stable (the API's problem code)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Term:
    """One thing the text must contain: any of these phrases (a phone number is written many
    ways). The engines split each phrase into tokens with the index's own tokenizer."""

    phrases: tuple[str, ...]


@dataclass(frozen=True)
class SearchQuery:
    raw: str
    terms: tuple[Term, ...]
    references: tuple[str, ...] = ()  # case references and quoted references, upper case
    phones: tuple[str, ...] = ()  # E.164
    emails: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()  # without the @, as typed
    words: tuple[str, ...] = ()

    @property
    def identifiers(self) -> bool:
        return bool(self.references or self.phones or self.emails or self.handles)


def parse_query(raw: str, region: str = DEFAULT_REGION) -> SearchQuery:
    text = " ".join(raw.split())
    if not text:
        raise BadQuery("empty_query", "type something to search for")
    if len(text) > MAX_LENGTH:
        raise BadQuery("query_too_long", f"a search is at most {MAX_LENGTH} characters")
    rest, references = _take(text, (BEACON_REFERENCE, OTHER_REFERENCE),
                             lambda found: [*beacon_references(found), *other_references(found)])
    rest, emails = _take(rest, (_EMAIL,), lambda found: [normalise_email(found) or found.lower()])
    rest, phones = _take_phones(rest, region)
    rest, handles = _take(rest, (_HANDLE,), lambda found: [found[1:]])
    words = _words(rest)
    terms = (*(Term((r,)) for r in references), *(Term((e,)) for e in emails),
             *(Term(phone_spellings(p)) for p in phones), *(Term((h,)) for h in handles),
             *(Term((w,)) for w in words))
    if not terms:
        raise BadQuery("nothing_to_search", "no word, number or reference in the search")
    if len(terms) > MAX_TERMS:
        raise BadQuery("too_many_terms", f"a search has at most {MAX_TERMS} words, numbers or references")
    return SearchQuery(text, terms, tuple(dict.fromkeys(references)), tuple(dict.fromkeys(phones)),
                       tuple(dict.fromkeys(emails)), tuple(dict.fromkeys(handles)), words)


def _words(text: str) -> tuple[str, ...]:
    """What is left, split at spaces: "o'brien" stays one term (a phrase of two tokens)."""
    chunks = (chunk.strip("\"'.,;:!?()[]{}<>*^~-").casefold() for chunk in text.split())
    return tuple(dict.fromkeys(c for c in chunks if _WORD.search(c)))


def phone_spellings(e164: str) -> tuple[str, ...]:
    """How a citizen may have written the number in a message: +447700900123, 07700900123,
    07700 900123 (as one token or two, the engines' tokenizers split on the space)."""
    number = phonenumbers.parse(e164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return tuple(dict.fromkeys((e164, national.replace(" ", ""), national)))


def _take(text: str, patterns: tuple[re.Pattern[str], ...], read: Callable[[str], list[str]]
          ) -> tuple[str, list[str]]:
    """Cut what the patterns find out of the text, and what `read` makes of each."""
    found: list[str] = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            found += [v for v in read(match.group(0)) if v]
        text = pattern.sub(" ", text)
    return text, list(dict.fromkeys(found))


def _take_phones(text: str, region: str) -> tuple[str, list[str]]:
    """POSSIBLE, not VALID, as for evidence in messages (people/normalise.py): Ofcom's drama
    numbers are real enough. At least 7 digits, so a year or a house number stays a word."""
    found, kept, at = [], [], 0
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        if len(str(match.number.national_number)) < MIN_PHONE_DIGITS:
            continue
        found.append(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
        kept.append(text[at:match.start])
        at = match.end
    return " ".join([*kept, text[at:]]), list(dict.fromkeys(found))
