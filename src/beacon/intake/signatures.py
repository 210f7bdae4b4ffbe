"""Proof that a delivery came from the provider: constant-time checks over the raw bytes.

Every check runs before the body is parsed, compares with `hmac.compare_digest`, and raises
`SignatureMissing` or `SignatureMismatch` without echoing the header or the secret.

- Meta and WhatsApp: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>`.
- X webhooks: `X-Twitter-Webhooks-Signature-OAuth2: sha256=<base64 HMAC-SHA256(OAuth 2.0 client
  secret, body)>`, and the legacy `x-twitter-webhooks-signature`, the same MAC keyed with the
  consumer secret; the CRC challenge is answered with the same MAC over the crc_token.
- Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1(auth token, URL + sorted name+value pairs)>`,
  where URL is the public URL Twilio called, not the one a reverse proxy forwarded to us. A
  JSON body is not a form: Twilio puts `bodySHA256=<hex SHA-256 of the body>` in the URL's
  query and signs the URL alone (no pairs appended); both must match.
- Telegram: `X-Telegram-Bot-Api-Secret-Token` equals the secret given to setWebhook.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qs, urlsplit, urlunsplit

from beacon.intake.errors import SignatureMismatch, SignatureMissing

META_HEADER = "X-Hub-Signature-256"
X_HEADER = "x-twitter-webhooks-signature"
X_OAUTH2_HEADER = "X-Twitter-Webhooks-Signature-OAuth2"
TWILIO_BODY_HASH = "bodySHA256"
TWILIO_HEADER = "X-Twilio-Signature"
TELEGRAM_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, ignoring case (HTTP header names are case-insensitive)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _required(headers: Mapping[str, str], name: str) -> str:
    value = header(headers, name)
    if not value or not value.strip():
        raise SignatureMissing(f"{name} header missing")
    return value.strip()


def _require_secret(secret: str | bytes) -> bytes:
    if not secret:
        # An empty secret would make every forged MAC trivially computable: refuse outright.
        raise SignatureMismatch("no secret configured for this channel account")
    return secret.encode() if isinstance(secret, str) else secret


def _same(expected: str, given: str, name: str) -> None:
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        raise SignatureMismatch(f"{name} does not match the body")


def hub_signature(raw_body: bytes, app_secret: str) -> str:
    mac = hmac.new(_require_secret(app_secret), raw_body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify_hub_signature(raw_body: bytes, headers: Mapping[str, str], app_secret: str) -> None:
    given = _required(headers, META_HEADER)
    # Meta sends lower-case hex; accept either case without a non-constant-time comparison.
    prefix, _, digest = given.partition("=")
    _same(hub_signature(raw_body, app_secret), f"{prefix.lower()}={digest.lower()}", META_HEADER)


def x_signature(data: bytes, consumer_secret: str) -> str:
    mac = hmac.new(_require_secret(consumer_secret), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


def verify_x_signature(
    raw_body: bytes, headers: Mapping[str, str], *, consumer_secret: str = "",
    client_secret: str = "",
) -> None:
    """The OAuth 2.0 header decides when it is sent and a client secret is configured (a bad
    one is refused, never retried against the legacy header); otherwise the legacy header."""
    oauth2 = (header(headers, X_OAUTH2_HEADER) or "").strip()
    legacy = (header(headers, X_HEADER) or "").strip()
    if oauth2 and (client_secret or not legacy):
        _same(x_signature(raw_body, client_secret), oauth2, X_OAUTH2_HEADER)
    elif legacy:
        _same(x_signature(raw_body, consumer_secret), legacy, X_HEADER)
    else:
        raise SignatureMissing(f"{X_OAUTH2_HEADER} or {X_HEADER} header missing")


def x_crc_response(crc_token: str, consumer_secret: str) -> dict[str, str]:
    """The JSON body answering X's CRC check (GET /webhooks/x?crc_token=...)."""
    return {"response_token": x_signature(crc_token.encode(), consumer_secret)}


def twilio_signature(url: str, params: Mapping[str, Iterable[str]], auth_token: str) -> str:
    """Twilio's documented scheme: URL, then each name+value, names and values sorted."""
    data = url
    for name in sorted(params):
        for value in sorted(set(params[name])):
            data += name + value
    mac = hmac.new(_require_secret(auth_token), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


def _port_variants(url: str) -> list[str]:
    """The URL as given, with its default port added, and with it removed.

    Twilio signs the URL as configured; some proxies and Twilio itself disagree on whether
    `:443` is part of it, so Twilio's own validators accept both spellings.
    """
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    bare = urlunsplit(parts._replace(netloc=_netloc(parts.username, parts.password, host)))
    variants = [url, bare]
    if default and parts.port in (None, default):
        with_port = _netloc(parts.username, parts.password, f"{host}:{default}")
        variants.append(urlunsplit(parts._replace(netloc=with_port)))
    return list(dict.fromkeys(variants))


def _netloc(user: str | None, password: str | None, host: str) -> str:
    if user is None:
        return host
    return f"{user}:{password}@{host}" if password is not None else f"{user}@{host}"


def verify_twilio_signature(
    public_url: str,
    params: Mapping[str, Iterable[str]],
    headers: Mapping[str, str],
    auth_token: str,
) -> None:
    given = _required(headers, TWILIO_HEADER)
    _twilio_url_signed(public_url, params, given, auth_token)


def verify_twilio_json_body(
    public_url: str, raw_body: bytes, headers: Mapping[str, str], auth_token: str
) -> None:
    """A JSON delivery: the signature covers the URL (with its `bodySHA256`), no parameters,
    and the body must hash to that `bodySHA256`."""
    given = _required(headers, TWILIO_HEADER)
    claimed = twilio_url_body_hash(public_url) or ""
    _twilio_url_signed(public_url, {}, given, auth_token)
    actual = hashlib.sha256(raw_body).hexdigest()
    if not hmac.compare_digest(actual.encode(), claimed.lower().encode("utf-8", "replace")):
        raise SignatureMismatch(f"{TWILIO_BODY_HASH} does not match the body")


def twilio_url_body_hash(url: str) -> str | None:
    """The `bodySHA256` in the URL Twilio called, or None: the delivery is a form."""
    values = parse_qs(urlsplit(url).query, keep_blank_values=True).get(TWILIO_BODY_HASH)
    return values[0] if values else None


def _twilio_url_signed(
    public_url: str, params: Mapping[str, Iterable[str]], given: str, auth_token: str
) -> None:
    candidates = [twilio_signature(u, params, auth_token) for u in _port_variants(public_url)]
    # Check every variant so the time taken does not depend on which one matched.
    matches = [
        hmac.compare_digest(c.encode(), given.encode("utf-8", "replace")) for c in candidates
    ]
    if not any(matches):
        raise SignatureMismatch(f"{TWILIO_HEADER} does not match the URL and parameters")


def public_url(base_url: str, path: str, query: str = "") -> str:
    """The URL the provider called: configured public base + request path (+ query).

    Behind a reverse proxy the app sees http://127.0.0.1:8000/...; Twilio signed
    https://beacon.force.police.uk/..., so the public base URL must come from configuration.
    """
    url = base_url.rstrip("/") + "/" + path.lstrip("/")
    return f"{url}?{query}" if query else url


def verify_secret_token(headers: Mapping[str, str], name: str, expected: str) -> None:
    """A shared secret sent as a header (Telegram)."""
    given = _required(headers, name)
    _same(_require_secret(expected).decode(), given, name)
