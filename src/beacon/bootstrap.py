"""The one place that wires settings, store, triage, pipeline and transport together.

Tests build Beacon through the same function, swapping in a clock or a database URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from beacon.audit.legacy import seal_legacy_chain
from beacon.audit.seal import AuditSeal, attach_seal, make_audit_seal
from beacon.cases.tick import casework_jobs
from beacon.clock import Clock, SystemClock
from beacon.config import Settings
from beacon.intake.accept import Accepted, store_messages
from beacon.messages import InboundMessage
from beacon.noise.persistence import NoiseService
from beacon.noise.settings import noise_settings_from
from beacon.people.settings import load_people_settings
from beacon.pipeline.periodic import PeriodicJob
from beacon.staff.sessions import SessionRules, prune_sessions
from beacon.pipeline.runner import Pipeline
from beacon.pipeline.stages import Triager
from beacon.pipeline.transport import InlineTransport, Transport, recover_unprocessed
from beacon.routing.policy import load_policy
from beacon.staff.oidc import OidcClient, oidc_client
from beacon.staff.totp_sealing import seal_plain_secrets
from beacon.store.db import make_engine, make_read_session_factory, make_session_factory
from beacon.store.forces import ForceDirectory, ensure_force
from beacon.store.migrate import upgrade


@dataclass
class Beacon:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    forces: ForceDirectory
    triage_engine: Triager
    pipeline: Pipeline
    transport: Transport
    noise: NoiseService
    clock: Clock
    audit_seal: AuditSeal
    # Work that runs every few seconds while Beacon serves (outbox dispatch, SLA ticks).
    periodic_jobs: list[PeriodicJob] = field(default_factory=list)
    # The force's OpenID Connect provider, when BEACON_OIDC_ISSUER names one (accounts, issue 14).
    oidc: OidcClient | None = None

    def store(self, messages: Sequence[InboundMessage]) -> list[Accepted]:
        """Store messages durably; when this returns they are committed and may be acknowledged."""
        with self.session_factory.begin() as session:
            return store_messages(session, messages, self.forces)

    def ingest(self, messages: Sequence[InboundMessage]) -> list[Accepted]:
        """Store messages, then hand the new ones to the pipeline."""
        accepted = self.store(messages)
        fresh = [a.message_id for a in accepted if not a.duplicate]
        if fresh:
            self.transport.publish(fresh)
        return accepted

    def start(self) -> int:
        """Before serving: rebuild the noise window from the store, then process anything stored
        but not yet processed when the last run stopped. Returns how many were recovered."""
        self.noise.rebuild(self.read_session_factory, self.clock.now())
        return recover_unprocessed(self.session_factory, self.transport)

    def prepare_database(self) -> None:
        """Migrate to the newest schema, key a chain written before the audit key existed,
        and make sure the default force exists."""
        upgrade(self.engine)
        seal_legacy_chain(self.engine, self.session_factory, self.audit_seal)
        seal_plain_secrets(self.session_factory)  # TOTP secrets from before 0016 (the key is not the migration's)
        with self.session_factory.begin() as session:
            ensure_force(session, self.settings.default_force, self.settings.default_force.title())
        self.forces.reload()


@dataclass
class Store:
    """Just the database, for commands that need no pipeline (audit, users)."""

    engine: Engine
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    audit_seal: AuditSeal


def bootstrap_store(settings: Settings, clock: Clock | None = None) -> Store:
    engine = make_engine(settings.database_url)
    write, read = make_session_factory(engine), make_read_session_factory(engine)
    seal = make_audit_seal(settings, clock or SystemClock())
    attach_seal(seal, write, read)
    return Store(engine, write, read, seal)


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    triage_engine: Triager | None = None,
) -> Beacon:
    engine = make_engine(settings.database_url)
    session_factory, read_session_factory = make_session_factory(engine), make_read_session_factory(engine)
    clock = clock or SystemClock()
    seal = make_audit_seal(settings, clock)
    attach_seal(seal, session_factory, read_session_factory)
    triage_engine = triage_engine or _load_triage_engine(settings)
    noise = NoiseService(noise_settings_from(settings), clock.now)
    pipeline = Pipeline(session_factory, triage_engine, clock, noise,  # people and routing (issue 6):
                        policy=load_policy(settings.routing_policy_path),
                        people=load_people_settings(settings.people_path))
    return Beacon(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        read_session_factory=read_session_factory,
        forces=ForceDirectory(session_factory, settings.default_force),
        triage_engine=triage_engine,
        pipeline=pipeline,
        transport=_make_transport(settings, pipeline, session_factory),
        noise=noise,
        clock=clock,
        audit_seal=seal,
        oidc=oidc_client(settings),
        periodic_jobs=[*casework_jobs(session_factory, clock, settings.casework_path, settings.casework_tick_seconds),
                       _noise_log_pruning(noise, session_factory, clock),
                       _session_pruning(settings, session_factory, clock),
                       PeriodicJob("audit-checkpoint", settings.audit_checkpoint_seconds,
                                   seal.checkpoints.write_if_moved)],
    )


# The noise log only needs its last two windows (a rebuild replays no more); hourly keeps it near that.
NOISE_LOG_PRUNE_SECONDS = 3600.0


def _noise_log_pruning(noise: NoiseService, session_factory: sessionmaker[Session], clock: Clock) -> PeriodicJob:
    def prune() -> int:
        with session_factory.begin() as session:
            return noise.prune(session, clock.now())

    return PeriodicJob("noise-log-prune", NOISE_LOG_PRUNE_SECONDS, prune)


# Dead sign-in sessions pile up at one row per sign-in; hourly keeps the table to the live ones
# and the last hour's dead (a dead row is refused exactly as a missing one, so nothing waits on it).
SESSION_PRUNE_SECONDS = 3600.0


def _session_pruning(settings: Settings, session_factory: sessionmaker[Session], clock: Clock) -> PeriodicJob:
    rules = SessionRules.of(settings.session_idle_minutes, settings.session_lifetime_hours)

    def prune() -> int:
        with session_factory.begin() as session:
            return prune_sessions(session, clock.now(), rules)

    return PeriodicJob("session-prune", SESSION_PRUNE_SECONDS, prune)


def _make_transport(
    settings: Settings, pipeline: Pipeline, session_factory: sessionmaker[Session]
) -> Transport:
    """inline: the pipeline runs in this process. redis: `beacon worker` processes run it."""
    if settings.transport == "redis":
        from beacon.pipeline.redis_streams import RedisStreamsTransport, StreamLayout, connect
        from beacon.triage.quick import EmergencyCheck

        layout = StreamLayout.from_settings(settings)
        return RedisStreamsTransport(connect(settings.redis_url), session_factory, layout,
                                     urgent=EmergencyCheck.load(settings.lexicon_path))
    if settings.transport != "inline":
        raise ValueError(f"BEACON_TRANSPORT must be inline or redis, not {settings.transport!r}")
    return InlineTransport(pipeline)


def _load_triage_engine(settings: Settings) -> Triager:
    from beacon.triage import TriageEngine  # loads lexicons and the model: only when needed

    return TriageEngine.load(
        lexicon_path=settings.lexicon_path,
        beats_path=settings.beats_path,
        model_path=settings.model_path,
    )
