"""One typed settings object, read once from the environment (prefix BEACON_).

Nothing else in Beacon reads os.environ: pass `Settings` down from `bootstrap`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BEACON_", env_file=None, extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/beacon.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    secret_key: str = Field(
        default="",
        description="signs session cookies and CSRF tokens; generated into var/ when empty",
    )
    default_force: str = Field(default="demo", description="force slug for unmapped accounts")
    max_body_bytes: int = Field(default=1_000_000, description="largest intake body accepted")
    max_batch: int = Field(default=500, description="most messages in one intake batch")
    transport: str = Field(default="inline", description="inline (in process) or redis")
    redis_url: str = Field(default="redis://127.0.0.1:6379/0")
    # --- Distributed mode (BEACON_TRANSPORT=redis; see docs/operations.md) ---------------------
    stream_prefix: str = Field(default="beacon:pipeline", description="Redis stream names: <prefix>:<shard>")
    stream_shards: int = Field(default=8, description="shard streams; one conversation stays on one")
    consumer_group: str = Field(default="beacon-workers", description="Redis consumer group of workers")
    claim_idle_ms: int = Field(default=15_000, description="pending this long: claimed by another worker")
    max_attempts: int = Field(default=5, description="failed attempts before a message is dead-lettered")
    worker_batch: int = Field(default=100, description="stream entries a worker takes per transaction")
    stale_after_seconds: float = Field(
        default=300.0, description="received but unprocessed this long: re-published by the sweeper"
    )
    # -------------------------------------------------------------------------------------------
    lexicon_path: Path | None = Field(default=None, description="force lexicon YAML override")
    beats_path: Path | None = Field(default=None, description="force postcode-to-beat table")
    model_path: Path | None = Field(default=None, description="triage model override")
    secure_cookies: bool = Field(default=False, description="set Secure on cookies (HTTPS)")
    var_dir: Path = Field(default=Path("var"), description="where local state lives")


@lru_cache
def get_settings() -> Settings:
    return Settings()
