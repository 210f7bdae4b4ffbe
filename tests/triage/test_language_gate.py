"""Which messages the English reader covers, and the harm terms of other languages.

Messages written fresh for these tests."""

from __future__ import annotations

import pytest


def gate(engine):
    return engine.language_gate


@pytest.mark.parametrize("text", [
    "someone has smashed my car window on Hope Street and taken my bag",
    "happy birthday hun 🎉 hope ur having a mint day xx",
    "pls can someone ring me back about my stolen bike",
])
def test_english_is_covered(lexicon_engine, text):
    assert gate(lexicon_engine).guess(text).covered


@pytest.mark.parametrize("text", [
    # a few words shared with English ("me", "con", "un") do not make it English
    "ayuda mi marido me pega con un cuchillo ahora",
    # langdetect cannot tell Polish from Slovak here, but it is surely not English
    "on ma noz w reku i chodzi po kuchni jestem w lazience",
    # a message mostly in another script, under an English subject line
    "Subject: Shop window broken\nਕੱਲ੍ਹ ਰਾਤ ਕਿਸੇ ਨੇ ਮੇਰੀ ਦੁਕਾਨ ਦੀ ਖਿੜਕੀ ਤੋੜ ਦਿੱਤੀ ਅਤੇ ਸਾਮਾਨ ਚੋਰੀ ਕਰ ਲਿਆ",
])
def test_another_language_is_not_covered(lexicon_engine, text):
    assert not gate(lexicon_engine).guess(text).covered


@pytest.mark.parametrize("text, language", [
    ("ajutor, un barbat cu un cutit vrea sa ma omoare, e la usa acum", "ro"),
    ("socorro, o meu marido está a bater-me e tem uma faca", "pt"),
    ("yardım edin, kocam beni bıçakla tehdit ediyor, şimdi kapıda", "tr"),
    ("допоможіть, чоловік б'є мене і погрожує ножем, він зараз тут", "uk"),
    ("في رجل معه سكين عند الباب ويهدد بقتلنا الآن", "ar"),
])
def test_harm_in_the_common_languages_of_uk_forces_is_graded(lexicon_engine, text, language):
    result = lexicon_engine.triage(text, language=language)
    assert result.priority in ("P1", "P2")
    assert result.needs_human


def test_a_wrong_language_guess_still_finds_the_harm(lexicon_engine):
    # Guessed as Somali, which has its own terms: none match, so every language's are tried.
    result = lexicon_engine.triage("ayuda mi marido me pega con un cuchillo ahora", language="so")
    assert result.priority in ("P1", "P2")
    assert any(r.get("rule") == "harm_other_language" for r in result.reasons)


def test_routine_messages_in_other_languages_are_not_alerts(lexicon_engine):
    for text, language in [("bom dia, queria saber o horário da esquadra ao sábado", "pt"),
                           ("buna ziua, am pierdut portofelul in autobuz ieri", "ro")]:
        assert lexicon_engine.triage(text, language=language).priority in ("P3", "P4")
