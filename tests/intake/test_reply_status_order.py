"""Reply statuses only move forward, whatever order (and however often) callbacks arrive."""

from __future__ import annotations

import random
from functools import reduce

from hypothesis import given
from hypothesis import strategies as st

from beacon.intake.outbound import ProviderRequest, backoff_delay
from beacon.intake.status import ReplyStatus, advance, is_final, status_from_provider

statuses = st.lists(st.sampled_from(list(ReplyStatus)), max_size=12)


def _apply(callbacks: list[ReplyStatus]) -> ReplyStatus:
    return reduce(advance, callbacks, ReplyStatus.QUEUED)


@given(callbacks=statuses, seed=st.integers())
def test_order_of_arrival_does_not_change_the_outcome(callbacks, seed) -> None:
    shuffled = list(callbacks)
    random.Random(seed).shuffle(shuffled)
    assert _apply(callbacks) == _apply(shuffled)


@given(callbacks=statuses)
def test_repeats_change_nothing_and_status_never_goes_back(callbacks) -> None:
    assert _apply(callbacks + callbacks) == _apply(callbacks)
    current = ReplyStatus.QUEUED
    for incoming in callbacks:
        nxt = advance(current, incoming)
        assert advance(nxt, current) == nxt
        current = nxt


def test_examples() -> None:
    assert advance(ReplyStatus.READ, ReplyStatus.DELIVERED) is ReplyStatus.READ
    assert advance(ReplyStatus.DELIVERED, ReplyStatus.READ) is ReplyStatus.READ
    assert advance(ReplyStatus.FAILED, ReplyStatus.DELIVERED) is ReplyStatus.FAILED
    assert is_final(ReplyStatus.FAILED) and not is_final(ReplyStatus.SENT)


def test_provider_words() -> None:
    assert status_from_provider("Undelivered") is ReplyStatus.FAILED
    assert status_from_provider("sending") is ReplyStatus.QUEUED
    assert status_from_provider("received") is None


@given(attempt=st.integers(1, 40), seed=st.integers())
def test_backoff_grows_within_its_cap(attempt, seed) -> None:
    delay = backoff_delay(attempt, base=2, cap=900, rng=random.Random(seed))
    ceiling = min(900, 2 * 2 ** (attempt - 1))
    assert ceiling / 2 <= delay <= ceiling


def test_provider_request_repr_masks_secrets() -> None:
    request = ProviderRequest(
        "POST", "https://api.telegram.org/bot123:SECRET/sendMessage", "k", secrets=("123:SECRET",)
    )
    assert "SECRET" not in repr(request) and "***" in repr(request)
