"""Which language a message is in, and whether the lexicon and model cover it.

langdetect is slow (~300 texts/s) and unreliable on short texts, so it is only asked when a cheap
test fails: most messages are recognised as English because enough of their words are common
English words or lexicon words. A message is called "not covered" only on good evidence: a
non-Latin script, or langdetect naming another language with high probability, or naming another
language for a message that contains an alarm word from another language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from langdetect import DetectorFactory, detector_factory
from langdetect.lang_detect_exception import LangDetectException
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

DetectorFactory.seed = 0  # langdetect is random without a seed; triage must be repeatable

_WORD = re.compile(r"[^\W\d_]{2,}")
_STRIP = re.compile(r"https?://\S+|www\.\S+|[@#]\w+")
_EXTRA_ENGLISH = frozenset(
    "im ive dont cant wont its theres hes shes theyre thats pls plz police help please "
    "just got get like now today people need know going one time new said says news".split()
)
ENGLISH_RATIO = 0.25
# Between ENGLISH_RATIO and this share of English words a message may be English or another
# language with a few shared or borrowed words ("ayuda mi marido me pega" has "me", "con"):
# langdetect decides, and only a sure answer on a message of some length makes it foreign.
ENGLISH_SURE = 0.5
SURE_FOREIGN = 0.6  # two of langdetect's three trials agree
# A message mostly in another script is another language, whatever Latin words it carries
# ("Subject: Shop window broken" above a message in Gurmukhi).
OTHER_SCRIPT_SHARE = 0.3
TRIALS = 3  # langdetect's default 7 random trials cost ~10 ms; 3 agree on all but borderline texts
CONFIDENT = 0.8


@dataclass(frozen=True)
class LanguageGuess:
    code: str | None  # ISO 639-1 ("en", "cy", "pl"), or None when it cannot be told
    covered: bool
    method: str  # "given", "english-words", "langdetect", "too-short"
    probability: float = 1.0


class LanguageGate:
    def __init__(self, covered: tuple[str, ...], lexicon_words: set[str]) -> None:
        self.covered = frozenset(code.lower() for code in covered)
        self.english = frozenset(ENGLISH_STOP_WORDS) | _EXTRA_ENGLISH | lexicon_words

    def guess(self, text: str, given: str | None = None, foreign_alarm: bool = False) -> LanguageGuess:
        if given and given.lower() not in ("und", "zxx", ""):
            code = given.lower().replace("_", "-").split("-")[0]
            return LanguageGuess(code, code in self.covered, "given")
        stripped = _STRIP.sub(" ", text)
        words = _WORD.findall(stripped.lower())
        if not words:
            return LanguageGuess(None, True, "too-short", 0.0)
        if _other_script_share(stripped) >= OTHER_SCRIPT_SHARE:
            best = _best_language(stripped)
            code = best[0] if best and best[0] != "en" else None
            return LanguageGuess(code, code in self.covered, "script", best[1] if best else 0.0)
        known = sum(1 for word in words if word in self.english) / len(words)
        if "en" in self.covered and known >= ENGLISH_SURE:
            return LanguageGuess("en", True, "english-words", known)
        if "en" in self.covered and known >= ENGLISH_RATIO:
            best = _best_language(" ".join(words)) if len(words) >= 5 else None
            if best and best[0] not in self.covered and best[1] >= SURE_FOREIGN:
                return LanguageGuess(best[0], False, "langdetect", best[1])
            return LanguageGuess("en", True, "english-words", known)
        return self._detect(" ".join(words), len(words), foreign_alarm)

    def _detect(self, text: str, word_count: int, foreign_alarm: bool) -> LanguageGuess:
        latin = all(ord(char) < 0x250 for char in text)
        if latin and word_count < 2 and not foreign_alarm:
            return LanguageGuess(None, True, "too-short", 0.0)
        best = _best_language(text)
        if best is None:
            return LanguageGuess(None, True, "too-short", 0.0)
        code, probability = best
        # Fewer than a quarter of three or more words are English: it is another language even
        # when langdetect is unsure which (it often is between Polish, Slovak and Croatian).
        sure = probability >= CONFIDENT or word_count >= 3 or not latin
        if code in self.covered or not (sure or foreign_alarm):
            return LanguageGuess(code, True, "langdetect", probability)
        return LanguageGuess(code, False, "langdetect", probability)


def _other_script_share(text: str) -> float:
    """The share of a message's letters that are not Latin (emoji and digits are not letters)."""
    if text.isascii():  # most messages: every letter is Latin
        return 0.0
    letters = [char for char in text if char.isalpha()]
    return sum(1 for char in letters if ord(char) >= 0x250) / len(letters) if letters else 0.0


@lru_cache(maxsize=4096)
def _best_language(text: str) -> tuple[str, float] | None:
    """langdetect's best (code, probability), or None. Cached: it costs ~1 ms, and a storm of
    retweets or copy-pasted appeals repeats the same words many times; it is seeded, so a cached
    answer is the answer it would give again."""
    try:
        best = _detect_langs(text)[0]
    except LangDetectException:
        return None
    return best.lang.split("-")[0], best.prob


def _detect_langs(text: str) -> list:
    detector_factory.init_factory()
    detector = detector_factory._factory.create()  # noqa: SLF001 - the documented way needs 7 trials
    detector.n_trial = TRIALS
    detector.append(text)
    return detector.get_probabilities()
