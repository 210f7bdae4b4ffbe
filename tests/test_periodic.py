"""Periodic jobs run when due, and one failing job does not stop the others."""

from __future__ import annotations

from beacon.pipeline.periodic import PeriodicJob, PeriodicRunner


def test_jobs_run_when_due_and_a_failure_is_contained() -> None:
    calls: list[str] = []

    def boom() -> None:
        calls.append("boom")
        raise RuntimeError("broken job")

    runner = PeriodicRunner([PeriodicJob("boom", 5, boom), PeriodicJob("ok", 1, lambda: calls.append("ok"))])
    assert runner.run_due(now=100.0) == ["boom", "ok"]
    assert runner.run_due(now=100.5) == []
    assert runner.run_due(now=101.0) == ["ok"]
    assert runner.run_due(now=105.0) == ["boom", "ok"]
    assert calls == ["boom", "ok", "ok", "boom", "ok"]
