"""The control room page, its live partial, CSV exports (audited as disclosures), the shift report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.bootstrap import Beacon
from beacon.staff.accounts import Role, create_user
from beacon.store.forces import ensure_force
from beacon.store.tables_audit import AuditEvent
from beacon.web.app import create_app
from tests.desk.desk_builders import add_case, add_message, force_id
from tests.test_http import PASSWORD, sign_in


@pytest.fixture
def client(beacon: Beacon) -> Iterator[TestClient]:
    with beacon.session_factory.begin() as session:
        ensure_force(session, "other", "Other Force", case_prefix="OF")
        create_user(session, force_slug="demo", username="sue", password=PASSWORD, role=Role.SUPERVISOR)
        create_user(session, force_slug="other", username="olu", password=PASSWORD, role=Role.HANDLER)
        force = force_id(session)
        now = beacon.clock.now()
        add_case(session, force, now - timedelta(minutes=12), text="=HYPERLINK(\"http://x\") knife on Colne Road",
                 priority="P1", place={"postcode": "BB10 1LD"})
        for i in range(20):
            add_message(session, force, now - timedelta(minutes=2 + i), text="smoke over Brunshaw Road")
    with TestClient(create_app(beacon)) as test_client:
        yield test_client


def test_page_shows_figures_map_and_surge(client: TestClient) -> None:
    sign_in(client, "sue")
    page = client.get("/control-room")
    assert page.status_code == 200
    assert 'hx-get="/control-room/live"' in page.text and "chart-4.6.1.umd.min.js" in page.text
    assert 'class="surge-banner"' in page.text and "21 contacts in the last hour" in page.text
    assert "<svg" in page.text and "Brunshaw" in page.text and "Burnhaven Wood" in page.text
    assert "WB-261128-" in page.text  # the waiting P1


def test_live_partial_is_only_the_figures(client: TestClient) -> None:
    sign_in(client, "sue")
    live = client.get("/control-room/live")
    assert live.status_code == 200 and "<html" not in live.text and 'id="cr-data"' in live.text


def test_another_force_sees_none_of_it(client: TestClient) -> None:
    sign_in(client, "olu")
    page = client.get("/control-room")
    assert "WB-261128-" not in page.text and "surge-banner" not in page.text
    beats = client.get("/control-room.csv?table=beats").text
    assert "BH-08,Brunshaw,0,0" in beats


def test_csv_export_is_audited_and_defuses_formulas(client: TestClient, beacon: Beacon) -> None:
    sign_in(client, "sue")
    response = client.get("/exports/inbox.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    [header, row] = list(csv.reader(io.StringIO(response.text)))
    assert header[0] == "reference" and row[5].startswith("'=HYPERLINK")
    with beacon.read_session_factory() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "export")).one()
    assert (event.action, event.object_id, event.data) == ("disclosed", "inbox", {"rows": 1})


@pytest.mark.parametrize("table", ["hours", "channels", "categories", "beats", "waiting", "staff"])
def test_every_control_room_table_exports(client: TestClient, table: str) -> None:
    sign_in(client, "sue")
    response = client.get(f"/control-room.csv?table={table}")
    assert response.status_code == 200 and response.text.count("\r\n") >= 1


def test_unknown_table_is_not_found(client: TestClient) -> None:
    sign_in(client, "sue")
    assert client.get("/control-room.csv?table=users", headers={"accept": "application/json"}).status_code == 404


def test_incidents_export(client: TestClient) -> None:
    sign_in(client, "sue")
    assert client.get("/exports/incidents.csv").text.startswith("incident,priority")


def test_shift_report_is_printable(client: TestClient) -> None:
    sign_in(client, "sue")
    report = client.get("/shift-report")
    assert report.status_code == 200 and "Shift report" in report.text and "data-print" in report.text  # static/beacon.js prints (no inline handler under the CSP)


def test_control_room_reads_are_audited_but_an_identical_poll_is_not(client: TestClient, beacon: Beacon) -> None:
    sign_in(client, "sue")

    def reads() -> list[AuditEvent]:
        with beacon.read_session_factory() as session:
            return list(session.scalars(select(AuditEvent).where(AuditEvent.object_type == "control_room")))

    client.get("/control-room")
    client.get("/control-room/live")  # the same waiting cases: not a new consultation
    [page] = reads()
    assert (page.action, page.reason, len(page.data["cases"])) == ("read", "control room", 1)
    client.get("/shift-report")
    with beacon.read_session_factory() as session:
        report = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "shift_report")).one()
    assert report.action == "read" and report.actor_name
