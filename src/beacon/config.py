"""One typed settings object, read once from the environment (prefix BEACON_).

Nothing else in Beacon reads os.environ: pass `Settings` down from `bootstrap`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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
    # --- Audit (issue 14): the key outside the database, and the checkpoints it signs -------
    audit_key: SecretStr = Field(
        default=SecretStr(""), description="HMAC key of the audit chain; else audit_key_file")
    audit_key_file: Path | None = Field(
        default=None, description="file holding the audit key; empty: generated into var/audit.key")
    audit_checkpoint_dir: Path | None = Field(
        default=None, description="where signed audit checkpoints go; empty: var/audit-checkpoints")
    audit_checkpoint_seconds: float = Field(
        default=60.0, gt=0, le=300, description="seconds between checkpoints while the log grows")
    audit_checkpoint_events: int = Field(
        default=1000, gt=0, le=1000, description="events after which a checkpoint is written at once")
    log_format: Literal["text", "json"] = Field(
        default="text", description="serve and worker logs: text, or json (one object a line)")
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")

    # --- Case work (issue 7): SLA clocks, escalation and its notifiers ------------------------
    casework_path: Path | None = Field(default=None, description="force casework YAML override")
    casework_tick_seconds: float = Field(default=5.0, description="seconds between SLA/escalation ticks")
    alert_sms_url: str = Field(default="", description="SMS gateway for alerts; empty: log only")
    alert_email_url: str = Field(default="", description="mail relay for alerts; empty: log only")
    alert_webhook_url: str = Field(default="", description="paging webhook for alerts; empty: log only")

    # --- Channels (issue 5): provider secrets, reply endpoints, the outbox worker -----------
    # Secrets are SecretStr so they never appear in logs or reprs; an empty secret means the
    # channel is not configured (its webhook answers 503, its replies go to the log only).
    # Token maps are JSON objects in the environment: BEACON_META_PAGE_TOKENS='{"<page id>": "..."}'.
    public_base_url: str = Field(default="", description="public https origin providers call")
    meta_app_secret: SecretStr = Field(default=SecretStr(""), description="X-Hub-Signature-256")
    meta_verify_token: SecretStr = Field(default=SecretStr(""), description="hub.verify_token")
    meta_page_tokens: dict[str, SecretStr] = Field(default_factory=dict, description="page id -> token")
    meta_base_url: str = Field(default="https://graph.facebook.com")
    whatsapp_app_secret: SecretStr = Field(default=SecretStr(""), description="empty: the Meta one")
    whatsapp_tokens: dict[str, SecretStr] = Field(default_factory=dict, description="number id -> token")
    whatsapp_base_url: str = Field(default="https://graph.facebook.com")
    twilio_account_sid: str = Field(default="")
    twilio_auth_token: SecretStr = Field(default=SecretStr(""))
    twilio_from_number: str = Field(default="", description="empty: reply from the receiving number")
    twilio_base_url: str = Field(default="https://api.twilio.com")
    x_consumer_secret: SecretStr = Field(default=SecretStr(""), description="CRC and signatures")
    x_client_secret: SecretStr = Field(
        default=SecretStr(""), description="OAuth 2.0 client secret: the OAuth2 signature header"
    )
    x_user_tokens: dict[str, SecretStr] = Field(default_factory=dict, description="account -> token")
    x_base_url: str = Field(default="https://api.x.com")
    telegram_bot_name: str = Field(default="beacon_bot", description="the channel account")
    telegram_bot_token: SecretStr = Field(default=SecretStr(""))
    telegram_secret_token: SecretStr = Field(default=SecretStr(""), description="setWebhook secret")
    telegram_base_url: str = Field(default="https://api.telegram.org")
    mail_address: str = Field(default="", description="the force's mailbox, e.g. contact@force.uk")
    imap_host: str = Field(default="")
    imap_port: int = Field(default=993)
    imap_user: str = Field(default="")
    imap_password: SecretStr = Field(default=SecretStr(""))
    imap_mailbox: str = Field(default="INBOX")
    smtp_host: str = Field(default="")
    smtp_port: int = Field(default=587)
    smtp_security: str = Field(default="starttls", description="starttls, tls or none (tests)")
    smtp_user: str = Field(default="")
    smtp_password: SecretStr = Field(default=SecretStr(""))
    dispatch_interval: float = Field(default=1.5, description="seconds between outbox runs; 0: off")
    channel_silence_minutes: int = Field(default=60, description="a busy channel silent this long alerts")
    channel_busy_per_day: int = Field(default=20, description="messages a day that make a channel busy")
    webform_per_hour: int = Field(default=10, description="web form posts per address per hour")
    webform_account: str = Field(default="contact-form", description="the web form's channel account")

    # --- Desk and control room (issue 8): the demand map, surge rule, live refresh ---------------
    beats_map_path: Path | None = Field(default=None, description="force beats map YAML (polygons)")
    surge_min_count: int = Field(default=15, description="fewest messages in an hour that can be a surge")
    surge_ratio: float = Field(default=2.0, description="a surge is at least this many times normal")
    control_room_refresh_seconds: int = Field(default=10, description="how often the control room updates")
    control_room_lag_alert_seconds: float = Field(
        default=60.0, description="the oldest unprocessed message older than this: the pipeline panel alerts")

    # --- People and routing (issue 6): a force's own routing policy and people settings ---------
    # Loaded once by bootstrap and handed to the pipeline and the pages; None: the shipped files.
    routing_policy_path: Path | None = Field(default=None, description="force routing policy YAML")
    people_path: Path | None = Field(default=None, description="force people settings YAML (link bases, markers)")

    # --- Noise (issue 4): shares, near-copies and incident clustering (beacon.noise) ------------
    # Read by beacon.noise.settings.noise_settings_from; docs/noise.md says what each one trades.
    noise_window_hours: float = Field(default=24.0, description="how long items and incidents stay live")
    noise_near_copy_threshold: float = Field(
        default=0.7, description="Jaccard at which a different text is a near-copy (same incident, own item)")
    noise_cluster_threshold: float = Field(default=0.5, description="vocabulary cover to join an incident")
    noise_place_radius_km: float = Field(default=3.0, description="further apart: different incidents")
    noise_surge_window_minutes: float = Field(default=30.0, description="surge: reporters counted over this")
    noise_surge_reporters: int = Field(default=5, description="distinct reporters that make a surge")
    noise_surge_floor: int = Field(default=2, description="attention a surging incident gets (1 = P1)")

    # --- Accounts (issue 14): sessions held server-side, sign-in throttles, second factor ------
    session_idle_minutes: float = Field(default=30.0, description="a session unused this long is ended")
    session_lifetime_hours: float = Field(default=12.0, description="a session this old is ended, however busy")
    sign_in_max_failures: int = Field(default=5, description="failed sign-ins that lock an account")
    sign_in_address_max_failures: int = Field(default=20, description="failed sign-ins that refuse an address")
    sign_in_failure_window_minutes: float = Field(default=15.0, description="failures are counted over this")
    sign_in_lock_minutes: float = Field(default=10.0, description="how long a lock lasts")
    totp_required_roles: str = Field(
        default="supervisor,admin",
        description="roles that must sign in with a TOTP code (comma-separated; empty: none)")
    totp_issuer: str = Field(default="Beacon", description="the name authenticator apps show")
    # OpenID Connect sign-in with the force's identity provider (staff/oidc.py); off while empty.
    oidc_issuer: str = Field(default="", description="the provider's issuer URL; empty: no OIDC sign-in")
    oidc_client_id: str = Field(default="", description="Beacon's client id at the provider")
    oidc_client_secret: SecretStr = Field(default=SecretStr(""), description="Beacon's client secret there")
    oidc_force: str = Field(default="", description="the force whose staff sign in there; empty: default_force")
    oidc_provider_name: str = Field(default="your force account", description="the sign-in button's words")
    oidc_scopes: str = Field(default="openid email profile", description="scopes asked for")
    oidc_allowed_domains: str = Field(
        default="", description="email domains admitted (comma-separated; empty: any the provider vouches for)")
    oidc_role_claim: str = Field(default="", description="claim holding the person's groups or roles")
    oidc_role_map: dict[str, str] = Field(
        default_factory=dict, description='claim value -> Beacon role, JSON: {"beacon-sup": "supervisor"}')
    oidc_create_users: bool = Field(
        default=False, description="create a handler (or the mapped role) on first OIDC sign-in")



@lru_cache
def get_settings() -> Settings:
    return Settings()
