"""API tokens for tests: issue one and get the headers an integration sends."""

from __future__ import annotations

from beacon.audit.log import Actor
from beacon.bootstrap import Beacon
from beacon.staff.api_tokens import Permission, issue_token
from beacon.store.forces import force_by_slug


def issue(beacon: Beacon, *, force: str = "demo", permissions: tuple[Permission, ...] = (Permission.INTAKE,),
          accounts: tuple[str, ...] = (), name: str = "test integration") -> tuple[int, str]:
    """A fresh token: (its id, the token)."""
    with beacon.session_factory.begin() as session:
        issued = issue_token(session, force_id=force_by_slug(session, force).id, name=name,
                             permissions=list(permissions), channel_accounts=list(accounts),
                             actor=Actor.system("tests"), now=beacon.clock.now())
        return issued.row.id, issued.token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def intake_headers(beacon: Beacon, **kwargs: object) -> dict[str, str]:
    """Headers with a new intake token of the default force (or `force=`)."""
    return bearer(issue(beacon, **kwargs)[1])  # type: ignore[arg-type]


def metrics_headers(beacon: Beacon) -> dict[str, str]:
    return bearer(issue(beacon, permissions=(Permission.METRICS,), name="prometheus")[1])
