"""OpenID Connect with a force's identity provider: the protocol half (authlib and joserfc).

The authorization-code flow with PKCE (S256): Beacon sends the browser to the provider with a
random state, nonce and code challenge, gets a code back, exchanges it (with the verifier and
the client secret) for an ID token, and accepts the token only when its signature verifies
against the provider's published keys (JWKS) and its issuer, audience, times and nonce are right.

Who the token names, and whether they may sign in, is decided in `oidc_sign_in`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

if TYPE_CHECKING:
    from beacon.config import Settings

# Every request to the provider is bounded: a slow provider must not hold a web worker.
TIMEOUT_SECONDS = 10.0
# Clock skew allowed between Beacon and the provider when checking exp, iat and nbf.
LEEWAY_SECONDS = 60
# Keys only: "none" and the HMAC algorithms (signed with the client secret) are refused.
ROLES = {"handler", "supervisor", "admin"}  # staff.accounts.Role's values (checked at start)
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]


class OidcError(Exception):
    """The provider's answer cannot be trusted; the message says why (for the audit log, not the page)."""


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid email profile"


@dataclass(frozen=True)
class AuthorizationRequest:
    """What the browser is sent with, and what Beacon keeps (in the signed cookie) to check
    the answer against."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class OidcClient:
    """One provider. Discovery and keys are fetched when first needed and kept; the keys are
    fetched again once when a token names a key Beacon does not have (the provider rotated)."""

    def __init__(self, config: OidcConfig, transport: Any = None) -> None:
        self.config = config
        self._transport = transport  # tests: the local provider's transport
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None

    def authorization_request(self, redirect_uri: str) -> AuthorizationRequest:
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                self.metadata()["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce)
        return AuthorizationRequest(url, state, nonce, verifier)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        """The token endpoint's answer for this code (it holds the ID token)."""
        with self._client(redirect_uri) as client:
            try:
                token = client.fetch_token(self.metadata()["token_endpoint"], grant_type="authorization_code",
                                           code=code, code_verifier=code_verifier)
            except OAuthError as error:
                raise OidcError(f"the token endpoint refused the code: {error.error}") from None
            except Exception as error:  # httpx2 transport errors, a non-JSON answer
                raise OidcError(f"the token endpoint could not be reached: {type(error).__name__}") from None
        if "id_token" not in token:
            raise OidcError("the token endpoint sent no ID token")
        return dict(token)

    def verify_id_token(self, token: dict[str, Any], nonce: str, now: datetime) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, times and nonce are right."""
        decoded = self._decode(str(token["id_token"]))
        options = {"iss": {"essential": True, "values": [self.config.issuer]},
                   "aud": {"essential": True, "values": [self.config.client_id]}}
        params = {"nonce": nonce, "client_id": self.config.client_id, "access_token": token.get("access_token")}
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise OidcError("the ID token's nonce is not the one Beacon sent")
        try:
            claims.validate(now=int(now.timestamp()), leeway=LEEWAY_SECONDS)
        except JoseError as error:
            raise OidcError(f"the ID token's claims are not valid: {error.error}") from None
        return dict(claims)

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            metadata = self._get_json(url)
            if metadata.get("issuer") != self.config.issuer:
                raise OidcError("the provider's discovery document names another issuer")
            self._metadata = metadata
        return self._metadata

    def _decode(self, id_token: str) -> Any:
        registry = JWSRegistry(algorithms=SIGNING_ALGORITHMS)
        try:
            return jwt.decode(id_token, KeySet.import_key_set(self._keys()), registry=registry)
        except JoseError as first:
            if first.error != "invalid_key_id":
                raise OidcError(f"the ID token's signature does not verify: {first.error}") from None
        try:  # a key Beacon has not seen: the provider may have rotated its keys
            return jwt.decode(id_token, KeySet.import_key_set(self._keys(refresh=True)), registry=registry)
        except JoseError as error:
            raise OidcError(f"the ID token's signature does not verify: {error.error}") from None

    def _keys(self, refresh: bool = False) -> dict[str, Any]:
        if self._jwks is None or refresh:
            self._jwks = self._get_json(self.metadata()["jwks_uri"])
        return self._jwks

    def _get_json(self, url: str) -> dict[str, Any]:
        with self._client() as client:
            try:
                response = client.request("GET", url, withhold_token=True)
                response.raise_for_status()
                return dict(response.json())
            except Exception as error:  # unreachable, an error status, not JSON: all the same here
                raise OidcError(f"cannot read {url}: {type(error).__name__}") from None

    def _client(self, redirect_uri: str | None = None) -> OAuth2Client:
        extra = {"transport": self._transport} if self._transport is not None else {}
        return OAuth2Client(client_id=self.config.client_id, client_secret=self.config.client_secret,
                            scope=self.config.scopes, redirect_uri=redirect_uri, code_challenge_method="S256",
                            token_endpoint_auth_method="client_secret_basic", timeout=TIMEOUT_SECONDS, **extra)


def oidc_client(settings: Settings) -> OidcClient | None:
    """The configured provider, or None when OIDC sign-in is off; a half configuration fails at start."""
    if not settings.oidc_issuer:
        return None
    if not settings.oidc_client_id or not settings.oidc_client_secret.get_secret_value():
        raise ValueError("BEACON_OIDC_ISSUER is set: BEACON_OIDC_CLIENT_ID and BEACON_OIDC_CLIENT_SECRET are needed too")
    unknown = sorted(set(settings.oidc_role_map.values()) - ROLES)
    if unknown:
        raise ValueError(f"BEACON_OIDC_ROLE_MAP names roles Beacon does not have: {', '.join(unknown)}")
    return OidcClient(OidcConfig(settings.oidc_issuer, settings.oidc_client_id,
                                 settings.oidc_client_secret.get_secret_value(), settings.oidc_scopes))
