"""Add the noise log: the ordered steps every process's noise tracker replays

Deploying: adds a table and fills it with the last two noise windows (BEACON_NOISE_WINDOW_HOURS,
default 24 h) of processed messages and supervisors' overrides, in the order the old restart
replay used, so trackers rebuilt from the log carry on where they were. Stop the pipeline
(`beacon serve` in the embedded mode, every `beacon worker` in the distributed mode) while it
runs: a process started before it cannot write the log. The fill reads a page of messages at a
time; on a busy force it takes about as long as a restart's rebuild did.

Revision ID: 0012
Revises: 0007
"""

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import op
import sqlalchemy as sa

from beacon.store.tables import UtcDateTime

revision = "0012"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "noise_log",
        sa.Column("force_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["force_id"], ["forces.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("force_id", "seq"),
    )
    with op.batch_alter_table("noise_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_noise_log_at"), ["at"], unique=False)
    _fill_from_the_window()


def downgrade() -> None:
    with op.batch_alter_table("noise_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_noise_log_at"))
    op.drop_table("noise_log")


# ---- the fill: a frozen copy of what the old restart replay read, written as log steps --------

_PAGE = 5000
_messages = sa.table(
    "messages", sa.column("id", sa.Integer), sa.column("force_id", sa.Integer),
    sa.column("direction", sa.String), sa.column("state", sa.String), sa.column("channel", sa.String),
    sa.column("provider_message_id", sa.String), sa.column("created_at", UtcDateTime()),
    sa.column("priority", sa.String), sa.column("triage", sa.JSON), sa.column("raw", sa.JSON),
)
_audit = sa.table(
    "audit_events", sa.column("id", sa.Integer), sa.column("force_id", sa.Integer),
    sa.column("object_type", sa.String), sa.column("at", UtcDateTime()), sa.column("data", sa.JSON),
)
_log = sa.table(
    "noise_log", sa.column("force_id", sa.Integer), sa.column("seq", sa.BigInteger),
    sa.column("kind", sa.String), sa.column("message_id", sa.Integer), sa.column("at", UtcDateTime()),
    sa.column("data", sa.JSON),
)


def _fill_from_the_window() -> None:
    bind = op.get_bind()
    window = timedelta(hours=float(os.environ.get("BEACON_NOISE_WINDOW_HOURS") or 24))
    since = datetime.now(UTC) - 2 * window
    window_keys = {f"{channel}:{pid}" for channel, pid in bind.execute(
        sa.select(_messages.c.channel, _messages.c.provider_message_id)
        .where(_messages.c.state == "processed", _messages.c.direction == "in", _messages.c.created_at >= since)
    )}
    overrides = _overrides_by_message(bind, since, window_keys)
    seqs: dict[int, int] = {}
    for force_id, events in overrides.pop(None, {}).items():  # followed nothing still in the window
        bind.execute(sa.insert(_log), [_override_row(force_id, seqs, event) for event in events])
    last_id = 0
    while True:
        page = bind.execute(
            sa.select(_messages).where(_messages.c.id > last_id, _messages.c.state == "processed",
                                       _messages.c.direction == "in", _messages.c.created_at >= since)
            .order_by(_messages.c.id).limit(_PAGE)
        ).all()
        if not page:
            return
        rows: list[dict[str, Any]] = []
        for m in page:
            rows.append(_observation_row(m, seqs))
            key = f"{m.channel}:{m.provider_message_id}"
            rows.extend(_override_row(m.force_id, seqs, e) for e in overrides.get(key, {}).get(m.force_id, []))
        bind.execute(sa.insert(_log), rows)
        last_id = page[-1].id


def _observation_row(m: Any, seqs: dict[int, int]) -> dict[str, Any]:
    beat = ((m.triage or {}).get("place") or {}).get("beat")
    context = m.raw.get("context") if isinstance(m.raw, dict) else None
    forwarded = isinstance(context, dict) and bool(context.get("forwarded") or context.get("frequently_forwarded"))
    data = {k: v for k, v in {"priority": m.priority, "beat": beat, "forwarded": forwarded or None}.items()
            if v is not None}
    seqs[m.force_id] = seqs.get(m.force_id, 0) + 1
    return {"force_id": m.force_id, "seq": seqs[m.force_id], "kind": "observation", "message_id": m.id,
            "at": m.created_at, "data": data or None}


def _override_row(force_id: int, seqs: dict[int, int], event: tuple[datetime, dict[str, Any]]) -> dict[str, Any]:
    seqs[force_id] = seqs.get(force_id, 0) + 1
    at, data = event
    return {"force_id": force_id, "seq": seqs[force_id], "kind": "override", "message_id": None,
            "at": at, "data": data}


def _overrides_by_message(bind: Any, since: datetime, window_keys: set[str],
                          ) -> dict[str | None, dict[int, list[tuple[datetime, dict[str, Any]]]]]:
    """Audited splits and merges by the message the tracker had seen last when they were made
    (None: a message no longer in the window, so they go first)."""
    found: dict[str | None, dict[int, list[tuple[datetime, dict[str, Any]]]]] = {}
    rows = bind.execute(
        sa.select(_audit.c.force_id, _audit.c.at, _audit.c.data)
        .where(_audit.c.object_type == "incident", _audit.c.at >= since).order_by(_audit.c.id)
    )
    for row in rows:
        data = (row.data or {}).get("override")
        if data and row.force_id is not None:
            after = data.get("after_message_id")
            key = after if after in window_keys else None
            found.setdefault(key, {}).setdefault(row.force_id, []).append((row.at, data))
    return found
