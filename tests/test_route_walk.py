"""The generated route walk (issue 14): every route of the app, for every role (handler,
supervisor, admin, and a member of a restricted team), asked for another force's record and for
a restricted team's record the role may not see. Every such request is refused with the 404 of a
record that does not exist, and every refusal is on the audit log. Lists never name the hidden
case. On SQLite and PostgreSQL.

RECORDS says what each route takes an id of. A route missing from it (or a stale entry) fails
`test_every_route_has_a_rule`, so a new route cannot ship without deciding what it guards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from beacon.bootstrap import Beacon
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.casework.casework_builders import PASSWORD
from tests.routes import app_routes
from tests.walk_world import NORTH_SMS, SECRET, Records, WalkWorld, build_world

PUBLIC, NO_RECORD = "public", "no record"
# A search takes no id: the walk searches it for the hidden records' words, numbers and
# references, and nothing may come back (tests/search has the rest of its tests).
SEARCH = "search"
Body = Callable[[int], dict[str, Any]]


@dataclass(frozen=True)
class Takes:
    """A route that takes the id of a `kind` record: in the path (the first {id}), or in a form
    or query field; `body` is the rest of a valid request, so validation is not what refuses."""

    kind: str
    form: Body | None = None
    json: Body | None = None
    field: str = ""  # the id travels in this form field (form) or query parameter (GET)
    query: dict[str, str] | None = None


def _form(**fields: Any) -> Body:
    return lambda ident: {k: (ident if v is SAME else v) for k, v in fields.items()}


SAME = object()  # "the id under test", for bodies naming a second record of the same kind
R = "walk: checking the wall"

RECORDS: dict[tuple[str, str], Takes | str] = {
    # --- public, or no record in the request ---------------------------------------------
    ("GET", "/login"): PUBLIC, ("POST", "/login"): PUBLIC, ("GET", "/login/code"): PUBLIC,
    ("POST", "/login/code"): PUBLIC, ("GET", "/login/enrol"): PUBLIC, ("POST", "/login/enrol"): PUBLIC,
    ("GET", "/contact"): PUBLIC, ("POST", "/contact"): PUBLIC, ("GET", "/contact/thanks"): PUBLIC,
    ("GET", "/healthz"): PUBLIC, ("GET", "/readyz"): PUBLIC, ("GET", "/metrics"): PUBLIC,
    ("GET", "/static"): PUBLIC, ("GET", "/api/docs"): PUBLIC, ("GET", "/api/openapi.json"): PUBLIC,
    ("POST", "/api/v1/messages"): PUBLIC,
    ("GET", "/webhooks/meta"): PUBLIC, ("POST", "/webhooks/meta"): PUBLIC, ("POST", "/webhooks/telegram"): PUBLIC,
    ("POST", "/webhooks/twilio/sms"): PUBLIC, ("GET", "/webhooks/whatsapp"): PUBLIC,
    ("POST", "/webhooks/whatsapp"): PUBLIC, ("GET", "/webhooks/x"): PUBLIC, ("POST", "/webhooks/x"): PUBLIC,
    ("POST", "/logout"): NO_RECORD, ("GET", "/"): NO_RECORD, ("GET", "/inbox/rows"): NO_RECORD,
    ("GET", "/api/v1/cases"): NO_RECORD, ("GET", "/api/v1/incidents"): NO_RECORD,
    ("GET", "/api/v1/monitored-needs"): NO_RECORD, ("GET", "/api/v1/ops/lag"): NO_RECORD,
    ("GET", "/alerts/bar"): NO_RECORD, ("GET", "/control-room"): NO_RECORD,
    ("GET", "/control-room/live"): NO_RECORD, ("GET", "/control-room.csv"): NO_RECORD,
    ("GET", "/shift-report"): NO_RECORD, ("GET", "/exports/inbox.csv"): NO_RECORD,
    ("GET", "/exports/incidents.csv"): NO_RECORD, ("GET", "/handovers"): NO_RECORD,
    ("GET", "/incidents"): NO_RECORD, ("GET", "/rota"): NO_RECORD, ("GET", "/guidance"): NO_RECORD,
    ("GET", "/admin/channels"): NO_RECORD, ("GET", "/admin/tokens"): NO_RECORD, ("POST", "/admin/tokens"): NO_RECORD,
    ("GET", "/search"): SEARCH, ("GET", "/api/v1/search"): SEARCH,
    # --- cases -----------------------------------------------------------------------------
    ("GET", "/cases/{id}"): Takes("case"),
    ("GET", "/cases/{id}/guidance"): Takes("case"),
    ("GET", "/cases/{id}/reply"): Takes("case"),
    ("POST", "/cases/{id}/reply"): Takes("case", form=_form(message_id=1, text="hello", reply_key="walk-key")),
    ("POST", "/cases/{id}/notes"): Takes("case", form=_form(text="a note")),
    ("POST", "/cases/{id}/status"): Takes("case", form=_form(status="open")),
    ("POST", "/cases/{id}/disposition"): Takes("case", form=_form(outcome="close", reason=R)),
    ("POST", "/cases/{id}/take"): Takes("case", form=_form()),
    ("POST", "/cases/{id}/release"): Takes("case", form=_form(reason=R)),
    ("POST", "/cases/{id}/reassign"): Takes("case", form=_form(to_user=1, reason=R)),
    ("POST", "/cases/{id}/team"): Takes("case", form=_form(team_id=1, reason=R)),
    ("POST", "/cases/{id}/acknowledge"): Takes("case", form=_form()),
    ("GET", "/api/v1/cases/{id}"): Takes("case"),
    ("POST", "/api/v1/cases/{id}/notes"): Takes("case", json=_form(text="a note")),
    ("POST", "/api/v1/cases/{id}/status"): Takes("case", json=_form(status="open")),
    ("POST", "/api/v1/cases/{id}/disposition"): Takes("case", json=_form(outcome="close", reason=R)),
    ("POST", "/api/v1/cases/{id}/assignee"): Takes("case", json=_form(user_id=1, reason=R)),
    ("POST", "/api/v1/cases/{id}/team"): Takes("case", json=_form(team_id=1, reason=R)),
    ("GET", "/audit/cases/{id}"): Takes("case"),
    # cases that relate (issue 16): the case in the path is walked; the other case goes through
    # the same wall (tests/casework/test_case_relations_http.py)
    ("POST", "/cases/{id}/links"): Takes("case", form=_form(reference="BC-261128-0001", reason=R)),
    ("POST", "/cases/{id}/unlink"): Takes("case", form=_form(other_id=SAME, reason=R)),
    ("POST", "/cases/{id}/parent"): Takes("case", form=_form(reference="BC-261128-0001", reason=R)),
    ("POST", "/cases/{id}/detach"): Takes("case", form=_form(reason=R)),
    ("POST", "/cases/{id}/merge"): Takes("case", form=_form(reference="BC-261128-0001", reason=R)),
    ("POST", "/cases/{id}/unmerge"): Takes("case", form=_form(reason=R)),
    ("GET", "/api/v1/cases/{id}/links"): Takes("case"),
    ("POST", "/api/v1/cases/{id}/links"): Takes("case", json=_form(case_id=SAME, reason=R)),
    ("POST", "/api/v1/cases/{id}/unlink"): Takes("case", json=_form(case_id=SAME, reason=R)),
    ("POST", "/api/v1/cases/{id}/parent"): Takes("case", json=_form(case_id=SAME, reason=R)),
    ("POST", "/api/v1/cases/{id}/detach"): Takes("case", json=_form(reason=R)),
    ("POST", "/api/v1/cases/{id}/merge"): Takes("case", json=_form(case_id=SAME, reason=R)),
    ("POST", "/api/v1/cases/{id}/unmerge"): Takes("case", json=_form(reason=R)),
    ("GET", "/audit/export.csv"): Takes("case", field="case_id"),
    # --- messages, persons and what hangs off them -------------------------------------------
    ("GET", "/api/v1/messages/{id}"): Takes("message"),
    ("POST", "/api/v1/messages/{id}/move"): Takes("message", json=_form(case_id=1, reason=R)),
    ("POST", "/api/v1/messages/{id}/split"): Takes("message", json=_form(reason=R)),
    ("POST", "/messages/{id}/move"): Takes("message", form=_form(case_reference="BC-261128-0001", reason=R)),
    ("POST", "/messages/{id}/split"): Takes("message", form=_form(reason=R)),
    ("GET", "/persons/{id}"): Takes("person"),
    ("GET", "/api/v1/persons/{id}"): Takes("person"),
    ("GET", "/api/v1/persons/{id}/timeline"): Takes("person"),
    ("GET", "/api/v1/persons/{id}/candidates"): Takes("person"),
    ("GET", "/audit/persons/{id}"): Takes("person"),
    ("POST", "/persons/{id}/markers"): Takes("person", form=_form(kind="risk", value="walk", reason=R)),
    ("POST", "/persons/{id}/markers/{id}/remove"): Takes("person", form=_form(reason=R)),
    ("POST", "/persons/{id}/merge"): Takes("person", form=_form(other_id=SAME, basis="consent", reason=R)),
    ("POST", "/api/v1/persons/{id}/markers"): Takes("person", json=_form(kind="risk", value="walk", reason=R)),
    ("DELETE", "/api/v1/persons/{id}/markers/{id}"): Takes("person", query={"reason": R}),
    ("POST", "/api/v1/persons/{id}/markers/{id}/remove"): Takes("person", json=_form(reason=R)),
    ("POST", "/api/v1/persons/{id}/merge"): Takes("person", json=_form(other_id=SAME, basis="consent", reason=R)),
    ("POST", "/candidates/{id}/decide"): Takes("candidate", form=_form(decision="reject", reason=R)),
    ("POST", "/api/v1/candidates/{id}/confirm"): Takes("candidate", json=_form(basis="consent", reason=R)),
    ("POST", "/api/v1/candidates/{id}/reject"): Takes("candidate", json=_form(reason=R)),
    ("POST", "/merges/{id}/undo"): Takes("merge", form=_form(reason=R)),
    ("POST", "/api/v1/merges/{id}/undo"): Takes("merge", json=_form(reason=R)),
    # --- case work, incidents, guidance, tokens ----------------------------------------------
    ("POST", "/alerts/{id}/acknowledge"): Takes("alert", form=_form()),
    ("POST", "/handovers"): Takes("team", form=_form(), field="team_id"),
    ("GET", "/handovers/{id}"): Takes("handover"),
    ("POST", "/handovers/{id}/complete"): Takes("handover", form=_form(notes="walk")),
    ("POST", "/handovers/{id}/acknowledge"): Takes("handover", form=_form()),
    ("GET", "/api/v1/incidents/{id}/items"): Takes("incident"),
    ("POST", "/api/v1/incidents/{id}/merge"): Takes("incident", json=_form(absorb_id=SAME, reason=R)),
    ("POST", "/incidents/{id}/merge"): Takes("incident", form=_form(absorb_id=SAME, reason=R)),
    ("GET", "/guidance/{id}"): Takes("guidance"),
    ("GET", "/guidance/{id}/edit"): Takes("guidance"),
    ("POST", "/guidance/{id}"): Takes("guidance", form=_form(title="Walk", body="walk", note="walk note")),
    ("POST", "/admin/tokens/{id}/revoke"): Takes("api_token", form=_form(reason=R)),
    # --- accounts: OIDC sign-in, a user's own page, the admins' user page ----------------
    ("GET", "/login/oidc"): PUBLIC, ("GET", "/login/oidc/callback"): PUBLIC,
    ("GET", "/account"): NO_RECORD, ("POST", "/account/password"): NO_RECORD, ("GET", "/admin/users"): NO_RECORD,
    ("POST", "/account/sessions/{id}/end"): Takes("staff_session", form=_form()),
    ("POST", "/admin/users/{id}/role"): Takes("user", form=_form(role="handler")),
    ("POST", "/admin/users/{id}/active"): Takes("user", form=_form(active="false")),
    ("POST", "/admin/users/{id}/revoke-sessions"): Takes("user", form=_form()),
    ("POST", "/admin/users/{id}/reset-second-factor"): Takes("user", form=_form()),
    ("POST", "/account/second-factor"): NO_RECORD, ("POST", "/account/second-factor/confirm"): NO_RECORD,
    ("POST", "/account/second-factor/cancel"): NO_RECORD, ("POST", "/account/recovery-codes"): NO_RECORD,
    # --- teams and forces: the admins' pages -------------------------------------------------
    ("GET", "/admin/teams"): NO_RECORD, ("POST", "/admin/teams"): NO_RECORD, ("POST", "/admin/teams/figures"): NO_RECORD,
    ("POST", "/admin/teams/{id}/restricted"): Takes("team", form=_form(restricted="true")),
    ("POST", "/admin/teams/{id}/members"): Takes("team", form=_form(user_id=1)),
    ("POST", "/admin/teams/{id}/members/{id}/remove"): Takes("team", form=_form()),
    ("POST", "/admin/users/{id}/team"): Takes("user", form=_form(team_id="")),
    ("GET", "/admin/forces"): NO_RECORD, ("POST", "/admin/forces"): NO_RECORD,
    ("POST", "/admin/forces/{id}/accounts"): Takes("force", form=_form(channel="sms", account="+447700900111")),
    ("POST", "/admin/forces/{id}/accounts/remove"): Takes("force", form=_form(channel="sms", account=NORTH_SMS)),
}
ROLES = ("handler", "supervisor", "admin", "member")
SEES_EVERY_TEAM = {"supervisor", "admin"}
AUDIT_KIND = {"guidance": "guidance", "api_token": "api_token", "user": "user", "staff_session": "staff_session"}  # the object type each refusal records


def test_every_route_has_a_rule(beacon: Beacon) -> None:
    routes = set(app_routes(create_app(beacon).routes))
    assert sorted(routes - set(RECORDS)) == [], "routes with no rule in RECORDS"
    assert sorted(set(RECORDS) - routes) == [], "rules for routes that no longer exist"


@dataclass
class Walker:
    beacon: Beacon
    client: TestClient
    user_id: int
    csrf: str = ""

    def last_event(self) -> int:
        with self.beacon.read_session_factory() as session:
            return int(session.scalar(select(func.max(AuditEvent.id))) or 0)

    def refusals_after(self, event_id: int) -> list[AuditEvent]:
        with self.beacon.read_session_factory() as session:
            return list(session.scalars(select(AuditEvent).where(
                AuditEvent.id > event_id, AuditEvent.action == "refused", AuditEvent.actor_id == self.user_id)))


def _signed_in(beacon: Beacon, username: str, user_id: int) -> Walker:
    client = TestClient(create_app(beacon))
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 303, username
    csrf = client.get("/rota").text.split('name="csrf_token" value="')[1].split('"')[0]
    return Walker(beacon, client, user_id, csrf)


def _request(w: Walker, method: str, path: str, rule: Takes, ident: int, marker: int) -> Any:
    url = path.replace("{id}", str(ident), 1).replace("{id}", str(marker))
    kwargs: dict[str, Any] = {"headers": {"X-CSRF-Token": w.csrf, "accept": "text/html"}, "follow_redirects": False}
    if rule.form is not None:
        kwargs["data"] = {"csrf_token": w.csrf, **rule.form(ident), **({rule.field: ident} if rule.field else {})}
    if rule.json is not None:
        kwargs["json"] = rule.json(ident)
    params = dict(rule.query or {})
    if rule.field and method == "GET":
        params[rule.field] = str(ident)
    return w.client.request(method, url, params=params or None, **kwargs)


def _template(route: str) -> str:
    return re.sub(r"\{[^}]+\}", "{id}", route)


def _walk(w: Walker, records: Records) -> list[str]:
    """Every record route against these records: what was not refused, or not recorded."""
    failures = []
    for (method, path), rule in sorted(RECORDS.items(), key=lambda item: item[0][1]):
        if not isinstance(rule, Takes) or rule.kind not in records.ids:
            continue
        ident = records.ids[rule.kind]
        before = w.last_event()
        answer = _request(w, method, path, rule, ident, records.ids["marker"])
        if answer.status_code != 404:
            failures.append(f"{method} {path} {rule.kind} {ident}: {answer.status_code} {answer.text[:120]}")
            continue
        recorded = [e for e in w.refusals_after(before) if e.object_type == AUDIT_KIND.get(rule.kind, rule.kind)
                    and e.object_id == str(ident) and _template((e.data or {}).get("route", "")) == f"{method} {path}"]
        if not recorded:
            failures.append(f"{method} {path} {rule.kind} {ident}: refused but not on the audit log")
    return failures


def _lists_leak(w: Walker, *references: str) -> list[str]:
    """Every signed-in list (pages, partials, API, CSV exports, live updates) for these words."""
    leaks = []
    for (method, path), rule in RECORDS.items():
        if rule != NO_RECORD or method != "GET":
            continue
        text = w.client.get(path, headers={"accept": "text/html"}).text
        leaks += [f"{path} shows {ref}" for ref in references if ref and ref in text]
    return leaks


def _searches_leak(w: Walker, *words: str) -> list[str]:
    """Every search route for these words: any result at all is a leak (the page repeats the
    words typed, so the page is read for results, not for the words)."""
    leaks = []
    for (method, path), rule in RECORDS.items():
        if rule != SEARCH:
            continue
        for word in filter(None, words):
            answer = w.client.get(path, params={"q": word}, headers={"accept": "text/html"})
            found = answer.json()["total"] if path.startswith("/api/") else answer.text.count('class="search-hit')
            if answer.status_code != 200 or found:
                leaks.append(f"{path}?q={word}: {answer.status_code}, {found} found")
    return leaks


@pytest.mark.parametrize("role", ROLES)
def test_every_route_refuses_and_records_what_a_role_may_not_see(any_beacon: Beacon, role: str) -> None:
    world: WalkWorld = build_world(any_beacon)
    walker = _signed_in(any_beacon, {"handler": "hal", "supervisor": "sue", "admin": "ada", "member": "sam"}[role],
                        world.users[role])
    with walker.client:
        failures = _walk(walker, world.north)
        if role not in SEES_EVERY_TEAM:
            failures += _walk(walker, world.hidden)
            failures += _lists_leak(walker, world.north.reference, world.hidden.reference, SECRET)
            failures += _searches_leak(walker, world.north.reference, world.hidden.reference, SECRET,
                                       "07700 900502", "North Force knife")
        else:
            failures += _lists_leak(walker, world.north.reference)
            failures += _searches_leak(walker, world.north.reference, "07700 900501", "North: he has a knife")
    assert failures == [], "\n".join(failures)
    walked = sum(isinstance(rule, Takes) for rule in RECORDS.values())
    assert walked >= 50  # the walk really covered the record routes


def test_supervisors_see_the_restricted_case_the_walk_hides(any_beacon: Beacon) -> None:
    """The positive control: the hidden records are real and reachable by who may see them, so
    the 404s above are the wall, not a broken fixture."""
    world = build_world(any_beacon)
    walker = _signed_in(any_beacon, "sue", world.users["supervisor"])
    with walker.client:
        case = world.hidden.ids["case"]
        assert walker.client.get(f"/api/v1/cases/{case}").status_code == 200
        assert world.hidden.reference in walker.client.get("/", headers={"accept": "text/html"}).text
        assert walker.client.get(f"/handovers/{world.hidden.ids['handover']}").status_code == 200
        assert walker.client.get(f"/persons/{world.hidden.ids['person']}").status_code == 200
        for word in (SECRET, world.hidden.reference, "07700 900502"):  # what the walk's searches hide
            assert walker.client.get("/api/v1/search", params={"q": word}).json()["total"] > 0, word
