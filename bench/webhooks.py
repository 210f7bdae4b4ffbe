"""Signed webhook deliveries per second through the real HTTP stack, against token intake.

    .venv/bin/python bench/webhooks.py [--messages 1200] [--threads 8] [--seconds 30]

For each mode a fresh `beacon serve` (uvicorn on 127.0.0.1, a temporary SQLite database, a
WhatsApp app secret) runs in a subprocess; httpx clients in several threads send the same
citizen messages one per request until the count or the time runs out:
  generic   POST /api/v1/messages, the message as Beacon's JSON with an intake API token (the baseline)
  whatsapp  POST /webhooks/whatsapp, a Cloud API payload signed with X-Hub-Signature-256
Reported: acknowledgements per second, acknowledgement latency, the server's peak memory
(VmHWM from /proc), how long the pipeline took to triage the backlog after the last answer,
and the ratio of the signed rate to the baseline. The real triage engine runs in the server,
after each answer, as in production; both modes pay for it alike.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import latency_summary, percentile

from beacon.audit.log import Actor
from beacon.bootstrap import bootstrap_store
from beacon.config import Settings
from beacon.intake.signatures import hub_signature
from beacon.staff.api_tokens import Permission, issue_token
from beacon.store.forces import ensure_force
from beacon.store.migrate import upgrade

SECRET = "bench-whatsapp-app-secret"
NUMBER_ID = "106540352242922"
TEXTS = [
    "A man in a grey hoodie keeps trying car doors on Harehills Road",
    "My bike was stolen from outside the library this afternoon",
    "There is loud music from the flat below every night after midnight",
    "Someone has smashed the bus shelter on Mill Lane, glass everywhere",
    "I think my elderly neighbour has fallen, I can hear her calling",
]
Request = tuple[str, bytes, dict[str, str]]


def whatsapp_request(n: int) -> Request:
    wa_id = f"4477009{n % 1000:05d}"
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "447700900100", "phone_number_id": NUMBER_ID},
            "contacts": [{"profile": {"name": f"Citizen {n}"}, "wa_id": wa_id}],
            "messages": [{"from": wa_id, "id": f"wamid.bench{n:08d}", "timestamp": str(1732787900 + n),
                          "type": "text", "text": {"body": TEXTS[n % len(TEXTS)]}}]}}]}]}).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": hub_signature(body, SECRET)}
    return "/webhooks/whatsapp", body, headers


def generic_request(n: int) -> Request:
    wa_id = f"+4477009{n % 1000:05d}"
    body = json.dumps({
        "channel": "whatsapp", "channel_account": NUMBER_ID, "provider_message_id": f"wamid.bench{n:08d}",
        "author": {"id": wa_id, "handle": wa_id, "name": f"Citizen {n}"}, "text": TEXTS[n % len(TEXTS)],
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1732787900 + n)),
    }).encode()
    return "/api/v1/messages", body, {"Content-Type": "application/json"}


def intake_token(folder: Path) -> str:
    """Migrate the bench database and issue the default force an intake token, as an admin would."""
    settings = Settings(database_url=f"sqlite:///{folder / 'beacon.db'}", var_dir=folder / "var")
    store = bootstrap_store(settings)
    upgrade(store.engine)
    with store.session_factory.begin() as session:
        force = ensure_force(session, settings.default_force, settings.default_force.title())
        issued = issue_token(session, force_id=force.id, name="bench", permissions=[Permission.INTAKE],
                             channel_accounts=[], actor=Actor.system("bench"),
                             now=datetime.now(UTC))
    store.engine.dispose()
    return issued.token


def with_token(build: Callable[[int], Request], token: str) -> Callable[[int], Request]:
    def built(n: int) -> Request:
        path, body, headers = build(n)
        return path, body, {**headers, "Authorization": f"Bearer {token}"}

    return built


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "BEACON_DATABASE_URL": f"sqlite:///{folder / 'beacon.db'}",
           "BEACON_VAR_DIR": str(folder / "var"), "BEACON_SECRET_KEY": "bench",
           "BEACON_WHATSAPP_APP_SECRET": SECRET, "BEACON_DISPATCH_INTERVAL": "0"}
    beacon_cli = Path(sys.executable).parent / "beacon"
    server = subprocess.Popen([str(beacon_cli), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=(folder / "server.log").open("wb"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited: {(folder / 'server.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("server did not start within 120 s")


def peak_memory_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def send_all(url: str, build: Callable[[int], Request], count: int, threads: int,
             seconds: float) -> tuple[list[float], int, float]:
    """Send until `count` requests or `seconds` pass; latencies of 2xx answers, failures, wall."""
    latencies: list[float] = []
    failures = [0]
    lock, counter = threading.Lock(), iter(range(count))
    deadline = time.monotonic() + seconds

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while time.monotonic() < deadline:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                path, body, headers = build(n)
                began = time.perf_counter()
                response = client.post(path, content=body, headers=headers)
                took = time.perf_counter() - began
                with lock:
                    if response.status_code in (200, 202):
                        latencies.append(took)
                    else:
                        failures[0] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, failures[0], time.perf_counter() - started


def drain_seconds(database: Path, expected: int, limit: float = 90.0) -> float:
    """How long after the last answer until every message left the `received` state."""
    began = time.perf_counter()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        while time.perf_counter() - began < limit:
            done = db.execute("SELECT count(*) FROM messages WHERE state != 'received'").fetchone()[0]
            if done >= expected:
                break
            time.sleep(0.2)
    return time.perf_counter() - began


def run_mode(name: str, build: Callable[[int], Request], args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        folder = Path(tmp)
        build = with_token(build, intake_token(folder))  # the webhook ignores it; intake needs it
        server, url = start_server(folder)
        try:
            latencies, failures, wall = send_all(url, build, args.messages, args.threads, args.seconds)
            drain = drain_seconds(folder / "beacon.db", len(latencies))
            peak = peak_memory_mib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    rate = len(latencies) / wall if wall else 0.0
    print(f"{name:9s} {len(latencies):5d} acknowledged, {failures} failed in {wall:5.1f} s = "
          f"{rate:7.1f}/s  |  {latency_summary(latencies)}  |  server peak {peak:.0f} MiB  |  "
          f"pipeline done {drain:.1f} s after the last answer", flush=True)
    return {"rate": rate, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1200, help="requests per mode (upper bound)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit per mode")
    args = parser.parse_args()
    print(f"{args.messages} messages per mode, {args.threads} client threads, at most "
          f"{args.seconds:.0f} s each; SQLite; one uvicorn worker; real triage in the server", flush=True)
    baseline = run_mode("generic", generic_request, args)
    signed = run_mode("whatsapp", whatsapp_request, args)
    ratio = signed["rate"] / baseline["rate"] if baseline["rate"] else float("nan")
    print(f"signed WhatsApp webhook / unsigned generic intake: {ratio:.2f}x the rate, "
          f"p99 {signed['p99'] * 1000:.1f} ms vs {baseline['p99'] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
