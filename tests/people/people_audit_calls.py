"""The people routes' calls for the audit completeness test (tests/casework): the records each
call needs (markers, candidates, merges, spare persons) are made first, directly in the store."""

from __future__ import annotations

from typing import Any

from beacon.audit.log import Actor
from beacon.people.markers import set_marker
from beacon.people.merges import merge_persons
from beacon.store.tables import Case, Person
from beacon.store.tables_people import PersonCandidate

READ, CHANGED = "read", "changed"
# (method, template) -> the audit events it must record; merged into the test's EXPECTED.
PEOPLE_EXPECTED: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("GET", "/persons/{id}"): [(READ, "person")],
    ("GET", "/api/v1/persons/{id}/timeline"): [(READ, "person")],
    ("GET", "/api/v1/persons/{id}/candidates"): [(READ, "person")],
    ("POST", "/api/v1/persons/{id}/markers"): [(CHANGED, "person")],
    ("POST", "/persons/{id}/markers"): [(CHANGED, "person")],
    ("POST", "/api/v1/persons/{id}/markers/{id}/remove"): [(CHANGED, "person")],
    ("DELETE", "/api/v1/persons/{id}/markers/{id}"): [(CHANGED, "person")],
    ("POST", "/persons/{id}/markers/{id}/remove"): [(CHANGED, "person")],
    ("POST", "/api/v1/candidates/{id}/confirm"): [(CHANGED, "person"), (CHANGED, "person_candidate")],
    ("POST", "/api/v1/candidates/{id}/reject"): [(CHANGED, "person_candidate")],
    ("POST", "/candidates/{id}/decide"): [(CHANGED, "person"), (CHANGED, "person_candidate")],  # confirmed
    ("POST", "/api/v1/persons/{id}/merge"): [(CHANGED, "person")],
    ("POST", "/persons/{id}/merge"): [(CHANGED, "person")],
    ("POST", "/api/v1/merges/{id}/undo"): [(CHANGED, "person")],
    ("POST", "/merges/{id}/undo"): [(CHANGED, "person")],
    ("POST", "/api/v1/messages/{id}/move"): [(CHANGED, "message")],
    ("POST", "/messages/{id}/move"): [(CHANGED, "message")],
}
PEOPLE_EXCLUDED = {
    ("GET", "/api/v1/monitored-needs"): "counts by beat and need: no personal data",
}
SETUP = Actor("user", None, "Setup")


def people_calls(w: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, template, request kwargs) for every people route, in an order that works."""
    ids, form = w.ids, {"csrf_token": w.token}
    p, m = ids["person"], ids["message"]
    spare, markers, candidates, merges = _records(w.beacon, p)
    with w.beacon.read_session_factory() as session:
        third = session.get_one(Case, ids["third"]).reference
    person, mark = f"/persons/{p}", f"/api/v1/persons/{p}/markers"
    basis = {"basis": "consent", "reason": "she said so"}
    return [
        ("GET", "/persons/{id}", {"url": person}),
        ("GET", "/api/v1/persons/{id}/timeline", {"url": f"/api/v1/persons/{p}/timeline"}),
        ("GET", "/api/v1/persons/{id}/candidates", {"url": f"/api/v1/persons/{p}/candidates"}),
        ("POST", "/api/v1/persons/{id}/markers", {"url": mark, "json": {"kind": "officer_risk", "value": "dog",
                                                                         "reason": "said on the phone"}}),
        ("POST", "/persons/{id}/markers", {"url": f"{person}/markers", "data": {
            **form, "kind": "preferred_language", "value": "Polish", "reason": "asked"}}),
        ("POST", "/api/v1/persons/{id}/markers/{id}/remove", {"url": f"{mark}/{markers[0]}/remove",
                                                               "json": {"reason": "moved"}}),
        ("DELETE", "/api/v1/persons/{id}/markers/{id}", {"url": f"{mark}/{markers[1]}?reason=wrong"}),
        ("POST", "/persons/{id}/markers/{id}/remove", {"url": f"{person}/markers/{markers[2]}/remove",
                                                        "data": {**form, "reason": "no longer"}}),
        ("POST", "/api/v1/candidates/{id}/confirm", {"url": f"/api/v1/candidates/{candidates[0]}/confirm",
                                                      "json": basis}),
        ("POST", "/api/v1/candidates/{id}/reject", {"url": f"/api/v1/candidates/{candidates[1]}/reject",
                                                     "json": {"reason": "different people"}}),
        ("POST", "/candidates/{id}/decide", {"url": f"/candidates/{candidates[2]}/decide",
                                             "data": {**form, **basis, "decision": "confirm"}}),
        ("POST", "/api/v1/persons/{id}/merge", {"url": f"/api/v1/persons/{p}/merge",
                                                 "json": {**basis, "other_id": spare[0]}}),
        ("POST", "/persons/{id}/merge", {"url": f"{person}/merge", "data": {**form, **basis, "other_id": spare[1]}}),
        ("POST", "/api/v1/merges/{id}/undo", {"url": f"/api/v1/merges/{merges[0]}/undo", "json": {"reason": "wrong"}}),
        ("POST", "/merges/{id}/undo", {"url": f"/merges/{merges[1]}/undo", "data": {**form, "reason": "wrong"}}),
        ("POST", "/api/v1/messages/{id}/move", {"url": f"/api/v1/messages/{m}/move",
                                                 "json": {"case_id": ids["second"], "reason": "same event"}}),
        ("POST", "/messages/{id}/move", {"url": f"/messages/{m}/move",
                                         "data": {**form, "case_reference": third, "reason": "same event"}}),
    ]


def _records(beacon: Any, person_id: int) -> tuple[list[int], list[int], list[int], list[int]]:
    """Spare persons to merge, markers to remove, candidates to decide and merges to undo."""
    now = beacon.clock.now()
    with beacon.session_factory.begin() as session:
        force_id = session.get_one(Person, person_id).force_id
        spare = [Person(force_id=force_id, display_name=f"Spare {n}") for n in range(7)]
        session.add_all(spare)
        session.flush()
        markers = [set_marker(session, force_id, person_id, kind="vulnerability", value=f"v{n}", reason="setup",
                              actor=SETUP, now=now).id for n in range(3)]
        candidates = []
        for other in spare[2:5]:
            row = PersonCandidate(force_id=force_id, person_id=person_id, other_person_id=other.id, status="open",
                                  evidence=[{"kind": "phone_in_text", "detail": "setup", "message_id": None}],
                                  created_at=now)
            session.add(row)
            session.flush()
            candidates.append(row.id)
        merges = [merge_persons(session, force_id, person_id, other.id, actor=SETUP, basis="consent",
                                reason="setup", now=now).id for other in spare[5:7]]
        return [p.id for p in spare[:2]], markers, candidates, merges


def people_routes(beacon: Any, person_id: int, message_id: int, token: str) -> list[tuple[str, str, Any]]:
    """Every people route with an id, on the first force's records, for the force-scoping test."""
    spare, markers, candidates, merges = _records(beacon, person_id)
    form, basis = {"csrf_token": token}, {"basis": "consent", "reason": "x"}
    p, mark = f"/persons/{person_id}", f"/api/v1/persons/{person_id}/markers"
    return [
        ("GET", p, None),
        ("GET", f"/api/v1/persons/{person_id}/timeline", None),
        ("GET", f"/api/v1/persons/{person_id}/candidates", None),
        ("POST", mark, {"json": {"kind": "vulnerability", "value": "x", "reason": "x"}}),
        ("POST", f"{p}/markers", {"data": {**form, "kind": "vulnerability", "value": "x", "reason": "x"}}),
        ("POST", f"{mark}/{markers[0]}/remove", {"json": {"reason": "x"}}),
        ("DELETE", f"{mark}/{markers[0]}", {"params": {"reason": "x"}}),
        ("POST", f"{p}/markers/{markers[0]}/remove", {"data": {**form, "reason": "x"}}),
        ("POST", f"/api/v1/candidates/{candidates[0]}/confirm", {"json": basis}),
        ("POST", f"/api/v1/candidates/{candidates[0]}/reject", {"json": {"reason": "x"}}),
        ("POST", f"/candidates/{candidates[0]}/decide", {"data": {**form, **basis, "decision": "reject"}}),
        ("POST", f"/api/v1/persons/{person_id}/merge", {"json": {**basis, "other_id": spare[0]}}),
        ("POST", f"{p}/merge", {"data": {**form, **basis, "other_id": spare[0]}}),
        ("POST", f"/api/v1/merges/{merges[0]}/undo", {"json": {"reason": "x"}}),
        ("POST", f"/merges/{merges[0]}/undo", {"data": {**form, "reason": "x"}}),
        ("POST", f"/api/v1/messages/{message_id}/move", {"json": {"case_reference": "BC-261128-0001", "reason": "x"}}),
        ("POST", f"/messages/{message_id}/move", {"data": {**form, "case_reference": "BC-261128-0001", "reason": "x"}}),
    ]
