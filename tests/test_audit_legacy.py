"""A chain written before the audit key existed (plain SHA-256) is keyed once, on migrate; never
again once a checkpoint exists, so a recomputed chain cannot be laundered by a restart."""

from __future__ import annotations

import hashlib

from beacon.bootstrap import Beacon
from beacon.clock import FakeClock
from tests.test_audit_tamper import _append, _checkpoint_files, _recompute, _sql, _verify


def _plain(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_legacy_plain_chain_is_keyed_on_migrate(any_beacon: Beacon, clock: FakeClock) -> None:
    _append(any_beacon, clock, range(1, 5))
    _recompute(any_beacon, _plain)  # as the chain was before the key
    for path in _checkpoint_files(any_beacon):
        path.unlink()
    assert not _verify(any_beacon).ok
    any_beacon.prepare_database()
    assert _verify(any_beacon).ok and len(_checkpoint_files(any_beacon)) == 1
    _append(any_beacon, clock, range(5, 7))  # and it goes on keyed, with its guard back
    assert _verify(any_beacon).ok
    _sql(any_beacon)  # the guard was put back: lifting it again works
    any_beacon.prepare_database()
    assert _verify(any_beacon).ok


def test_a_plain_chain_is_not_keyed_once_a_checkpoint_exists(any_beacon: Beacon, clock: FakeClock) -> None:
    _append(any_beacon, clock, range(1, 5))
    _recompute(any_beacon, _plain)
    any_beacon.prepare_database()
    assert not _verify(any_beacon).ok


def test_a_broken_plain_chain_is_not_blessed(any_beacon: Beacon, clock: FakeClock) -> None:
    _append(any_beacon, clock, range(1, 5))
    _recompute(any_beacon, _plain)
    _sql(any_beacon, "UPDATE audit_events SET reason = 'edited' WHERE id = 2")
    for path in _checkpoint_files(any_beacon):
        path.unlink()
    any_beacon.prepare_database()
    report = _verify(any_beacon)
    assert not report.ok and report.first_bad_id == 1
