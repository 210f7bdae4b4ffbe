"""Refuses passwords a guesser tries first: short ones, one character or a simple run (abcdef,
123456, qwerty), anything on the shipped list of common passwords however dressed up
(Password123!, P@ssw0rd2026), and any that contain the user's own name.

The list (data/common_passwords.txt, made by scripts/make_common_passwords.py) ships in the
package; nothing is fetched at run time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
MIN_DISTINCT = 5
COMMON_LIST = Path(__file__).parent / "data" / "common_passwords.txt"
# What people put round a word to pass a rule: digits, symbols and spaces at either end.
_AFFIXES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SEPARATORS = re.compile(r"[\s\-_.]+")
_LOOK_ALIKES = str.maketrans({"@": "a", "4": "a", "0": "o", "3": "e", "1": "i", "!": "i", "$": "s",
                              "5": "s", "7": "t"})
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm",
              "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p")


class WeakPassword(ValueError):
    """The password is refused; the message says why, in words a user can act on."""


def check_password(password: str, username: str = "") -> None:
    """Raise WeakPassword with the first rule the password breaks; return when it is acceptable."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"passwords must be at least {MIN_LENGTH} characters")
    folded = _SEPARATORS.sub("", password.casefold())
    if len(set(folded)) < MIN_DISTINCT:
        raise WeakPassword("this password uses too few different characters")
    base = _SEPARATORS.sub("", _AFFIXES.sub("", password).casefold())
    if _is_sequence(folded) or (len(base) >= 3 and _is_sequence(base)):
        raise WeakPassword("this password is a simple sequence (like abcdef, 123456 or qwerty)")
    if normalise(password) in common_passwords() or (base and normalise(base) in common_passwords()):
        raise WeakPassword("this password is on the list of common passwords; choose another")
    name = username.strip().casefold()
    if len(name) >= 3 and (name in folded or name in normalise(password)):
        raise WeakPassword("passwords must not contain the user name")


def normalise(password: str) -> str:
    """Lower case, separators dropped, look-alike digits and symbols read as the letters they
    stand for: how the common list is stored and looked up."""
    return _SEPARATORS.sub("", password.casefold()).translate(_LOOK_ALIKES)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    return frozenset(COMMON_LIST.read_text().split())


def _is_sequence(text: str) -> bool:
    """A run along the alphabet, the digits or the keyboard, either way, wrapping round."""
    for sequence in _SEQUENCES:
        laps = sequence * (len(text) // len(sequence) + 2)
        if text in laps or text in laps[::-1]:
            return True
    return False
