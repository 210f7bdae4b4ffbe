"""The desk's routes (issue 8) for the audit completeness test in tests/casework: what each one
records, and the calls that exercise them in the test's world (signed in as a supervisor)."""

from __future__ import annotations

from typing import Any

READ = "read"
ARTICLES = "guidance articles: the force's own text, no citizen data"

DESK_EXCLUDED = {
    ("GET", "/guidance"): ARTICLES,
    ("GET", "/guidance/{id}"): ARTICLES,
    ("GET", "/guidance/{id}/edit"): ARTICLES,
}
DESK_EXPECTED: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("GET", "/cases/{id}/guidance"): [(READ, "case")],
    # The live partial polls: it records on its first showing, then only when the cases shown change.
    ("GET", "/control-room/live"): [(READ, "control_room")],
    ("GET", "/control-room"): [(READ, "control_room")],
    ("GET", "/shift-report"): [(READ, "shift_report")],
    ("GET", "/exports/inbox.csv"): [("disclosed", "export")],
    ("GET", "/exports/incidents.csv"): [("disclosed", "export")],
    ("GET", "/control-room.csv"): [("disclosed", "export")],
    # A disposition is one change; closing or reopening the case with it is a second (its status).
    ("POST", "/cases/{id}/disposition"): [("changed", "case"), ("changed", "case")],
    ("POST", "/api/v1/cases/{id}/disposition"): [("changed", "case"), ("changed", "case")],
}


def desk_calls(w: Any) -> list[tuple[str, str, dict[str, Any]]]:
    c = w.ids["case"]
    return [
        ("GET", "/cases/{id}/guidance", {"url": f"/cases/{c}/guidance"}),
        ("GET", "/control-room/live", {"url": "/control-room/live"}),
        ("GET", "/control-room", {"url": "/control-room"}),
        ("GET", "/shift-report", {"url": "/shift-report"}),
        ("GET", "/exports/inbox.csv", {"url": "/exports/inbox.csv"}),
        ("GET", "/exports/incidents.csv", {"url": "/exports/incidents.csv"}),
        ("GET", "/control-room.csv", {"url": "/control-room.csv?table=waiting"}),
        # Closed by a monitor disposition, then kept as a case (reopened): later calls need it open.
        ("POST", "/cases/{id}/disposition", {"url": f"/cases/{c}/disposition", "data": {
            "csrf_token": w.token, "outcome": "monitor", "beat": "", "reason": "a question about the area"}}),
        ("POST", "/api/v1/cases/{id}/disposition", {"url": f"/api/v1/cases/{c}/disposition",
                                                    "json": {"outcome": "case", "reason": "more to do"}}),
    ]
