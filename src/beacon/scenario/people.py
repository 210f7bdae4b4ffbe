"""The citizens who write in during the night, each with an identity on every channel.

A `Citizen` carries one stable `key` (the truth's `person`) and the handles that person would show
on each channel; storylines pick which of those identities a message arrives under. Phone numbers
come from Ofcom's drama range (07700 900000-900999) so no real person can be reached.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from beacon.scenario.ids import ProviderIds

FIRST_NAMES = (
    "Aisha",
    "Ben",
    "Chloe",
    "Dan",
    "Emma",
    "Faisal",
    "Gemma",
    "Harry",
    "Imran",
    "Jade",
    "Kieran",
    "Lauren",
    "Mohammed",
    "Niamh",
    "Olivia",
    "Paul",
    "Rachel",
    "Sam",
    "Tariq",
    "Vicky",
    "Wayne",
    "Yasmin",
    "Zoe",
    "Liam",
    "Megan",
    "Connor",
    "Bethan",
    "Rhys",
    "Agnieszka",
    "Piotr",
    "Kasia",
    "Sadia",
    "Jordan",
    "Kelly",
    "Darren",
    "Shannon",
    "Hassan",
    "Nadia",
    "Craig",
    "Beth",
)
SURNAMES = (
    "Ahmed",
    "Bennett",
    "Clarke",
    "Dawson",
    "Evans",
    "Fletcher",
    "Green",
    "Hussain",
    "Iqbal",
    "Jones",
    "Khan",
    "Lord",
    "Moss",
    "Nowak",
    "Ormerod",
    "Patel",
    "Riley",
    "Sutcliffe",
    "Taylor",
    "Walsh",
    "Wilson",
    "Kowalski",
    "Holt",
    "Ashworth",
    "Pickup",
    "Hartley",
    "Davies",
    "Morgan",
)
_HANDLE_SUFFIXES = ("", "_", "x", "xx", "88", "91", "07", "_bb", "1", "_uk", "lfc", "_official")
_EMAIL_DOMAINS = ("gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "icloud.com")


class ScenarioTooLarge(ValueError):
    """The requested night needs more fictional identities than the safe ranges provide."""


@dataclass(frozen=True)
class Citizen:
    key: str
    first: str
    last: str
    x_id: str
    x_handle: str
    facebook_psid: str
    instagram_id: str
    instagram_handle: str
    phone: str | None
    email: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


class CitizenFactory:
    """Creates citizens with unique phone numbers and handles."""

    def __init__(self, rng: random.Random, ids: ProviderIds) -> None:
        self._rng = rng
        self._ids = ids
        self._count = 0
        # Numbers 000 and 001 are the force's own SMS and WhatsApp numbers.
        self._free_phones = [f"+447700900{n:03d}" for n in range(2, 1000)]
        rng.shuffle(self._free_phones)

    def new(self, *, phone: bool = False) -> Citizen:
        """A new person; only those who text or WhatsApp need one of the scarce drama numbers."""
        self._count += 1
        first, last = self._rng.choice(FIRST_NAMES), self._rng.choice(SURNAMES)
        handle = self._handle(first, last)
        return Citizen(
            key=f"person:{self._count:04d}",
            first=first,
            last=last,
            x_id=self._ids.numeric(self._rng.choice((9, 10, 18, 19))),
            x_handle="@" + handle,
            facebook_psid=self._ids.numeric(16),
            instagram_id=self._ids.numeric(17),
            instagram_handle=handle.lower(),
            phone=self._phone() if phone else None,
            email=self._email(first, last),
        )

    def _handle(self, first: str, last: str) -> str:
        style = self._rng.randrange(4)
        stem = (first + last, first.lower() + "_" + last.lower(), first + last[0], last + first)[
            style
        ]
        return stem + self._rng.choice(_HANDLE_SUFFIXES) + str(self._count % 97)

    def _phone(self) -> str:
        # Two people sharing a number would corrupt the identity truth, so running out is an error.
        if not self._free_phones:
            raise ScenarioTooLarge("the Ofcom drama range (1000 numbers) is used up")
        return self._free_phones.pop()

    def _email(self, first: str, last: str) -> str:
        local = self._rng.choice((f"{first}.{last}", f"{first}{last[0]}", f"{first[0]}{last}"))
        return f"{local.lower()}{self._rng.randrange(100)}@{self._rng.choice(_EMAIL_DOMAINS)}"
