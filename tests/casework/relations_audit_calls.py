"""Cases that relate (issue 16) for the audit completeness test: each change is recorded on both
cases, the links read on the one asked for; the calls leave the world's cases as they found them
(linked then unlinked, parented then detached, merged then unmerged), signed in as a supervisor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from beacon.store.tables import Case

READ, CHANGED = "read", "changed"
BOTH = [(CHANGED, "case"), (CHANGED, "case")]
RELATIONS_EXPECTED: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("GET", "/api/v1/cases/{id}/links"): [(READ, "case")],
    **{(method, path): BOTH for method, path in (
        ("POST", "/api/v1/cases/{id}/links"), ("POST", "/api/v1/cases/{id}/unlink"),
        ("POST", "/api/v1/cases/{id}/parent"), ("POST", "/api/v1/cases/{id}/detach"),
        ("POST", "/api/v1/cases/{id}/merge"), ("POST", "/api/v1/cases/{id}/unmerge"),
        ("POST", "/cases/{id}/links"), ("POST", "/cases/{id}/unlink"), ("POST", "/cases/{id}/parent"),
        ("POST", "/cases/{id}/detach"), ("POST", "/cases/{id}/merge"), ("POST", "/cases/{id}/unmerge"))},
}


def relations_calls(w: Any) -> list[tuple[str, str, dict[str, Any]]]:
    c, second = w.ids["case"], w.ids["second"]
    with w.beacon.read_session_factory() as session:
        second_ref = session.scalars(select(Case.reference).where(Case.id == second)).one()
    form = {"csrf_token": w.token}
    api = f"/api/v1/cases/{c}"
    return [
        ("POST", "/api/v1/cases/{id}/links", {"url": f"{api}/links", "json": {"case_id": second, "reason": "same van"}}),
        ("GET", "/api/v1/cases/{id}/links", {"url": f"{api}/links"}),
        ("POST", "/api/v1/cases/{id}/unlink", {"url": f"{api}/unlink", "json": {"case_id": second, "reason": "no"}}),
        ("POST", "/api/v1/cases/{id}/parent", {"url": f"{api}/parent", "json": {"case_id": second, "reason": "one job"}}),
        ("POST", "/api/v1/cases/{id}/detach", {"url": f"{api}/detach", "json": {"reason": "two jobs"}}),
        ("POST", "/api/v1/cases/{id}/merge", {"url": f"{api}/merge", "json": {"case_id": second, "reason": "dup"}}),
        ("POST", "/api/v1/cases/{id}/unmerge", {"url": f"{api}/unmerge", "json": {"reason": "not a dup"}}),
        ("POST", "/cases/{id}/links", {"url": f"/cases/{c}/links",
                                       "data": {**form, "reference": second_ref, "reason": "same van"}}),
        ("POST", "/cases/{id}/unlink", {"url": f"/cases/{c}/unlink",
                                        "data": {**form, "other_id": second, "reason": "no"}}),
        ("POST", "/cases/{id}/parent", {"url": f"/cases/{c}/parent",
                                        "data": {**form, "reference": second_ref, "reason": "one job"}}),
        ("POST", "/cases/{id}/detach", {"url": f"/cases/{c}/detach", "data": {**form, "reason": "two jobs"}}),
        ("POST", "/cases/{id}/merge", {"url": f"/cases/{c}/merge",
                                       "data": {**form, "reference": second_ref, "reason": "dup"}}),
        ("POST", "/cases/{id}/unmerge", {"url": f"/cases/{c}/unmerge", "data": {**form, "reason": "not a dup"}}),
    ]
