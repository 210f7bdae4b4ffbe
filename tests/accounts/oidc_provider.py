"""A small OpenID Connect provider that runs inside the test process.

It serves discovery, its JWKS and a token endpoint over HTTP (an httpx2 transport Beacon's
OIDC client is given, so every byte goes through Beacon's real client code), and an authorize
step the test calls as the person's browser would. It checks what a real provider checks: the
client's id and secret, the redirect URI, that a code is used once, and PKCE (S256). ID tokens
are RS256 JWTs signed with an RSA key generated per test (joserfc).

Tests turn its knobs to misbehave like a broken or hostile provider: a wrong nonce, a token
signed with another key, an expired token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from beacon.clock import FakeClock

ISSUER = "https://idp.force.example"
CLIENT_ID = "beacon-desk"
CLIENT_SECRET = "provider-issued-client-secret"


def _new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@dataclass
class Grant:
    person: dict[str, Any]
    nonce: str
    challenge: str
    redirect_uri: str


@dataclass
class LocalProvider:
    clock: FakeClock
    key: RSAKey = field(default_factory=lambda: _new_key("key-1"))
    grants: dict[str, Grant] = field(default_factory=dict)
    # knobs a test turns to make the provider misbehave
    nonce_override: str | None = None
    signing_key: RSAKey | None = None  # sign with this instead (not in the JWKS)
    lifetime_seconds: int = 300  # negative: the token has already expired
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self._handle)

    def authorize(self, url: str, person: dict[str, Any]) -> str:
        """The person signs in at the provider; returns where the provider sends the browser
        back (the redirect URI with the code and the state)."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert url.startswith(f"{ISSUER}/authorize?")
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256" and "openid" in query["scope"].split()
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(person, query["nonce"], query["code_challenge"], query["redirect_uri"])
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def id_token(self, person: dict[str, Any], nonce: str) -> str:
        now = int(self.clock.now().timestamp())
        claims = {"iss": ISSUER, "aud": CLIENT_ID, "iat": now, "exp": now + self.lifetime_seconds,
                  "nonce": self.nonce_override or nonce, **person}
        key = self.signing_key or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        url = str(request.url)
        if url == f"{ISSUER}/.well-known/openid-configuration":
            return httpx2.Response(200, json=self._discovery())
        if url == f"{ISSUER}/jwks":
            return httpx2.Response(200, json=KeySet([self.key]).as_dict(private=False))
        if url == f"{ISSUER}/token" and request.method == "POST":
            return self._token(request)
        return httpx2.Response(404, json={"error": "not_found"})

    def _discovery(self) -> dict[str, Any]:
        return {"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize",
                "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"]}

    def _token(self, request: httpx2.Request) -> httpx2.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.token_requests.append(form)
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return _error(401, "invalid_client")
        grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("grant_type") != "authorization_code":
            return _error(400, "invalid_grant")
        if form.get("redirect_uri") != grant.redirect_uri or not _pkce_ok(form.get("code_verifier", ""), grant):
            return _error(400, "invalid_grant")
        access = secrets.token_urlsafe(24)
        return httpx2.Response(200, json={"access_token": access, "token_type": "Bearer", "expires_in": 300,
                                          "id_token": self.id_token(grant.person, grant.nonce)})


def _pkce_ok(verifier: str, grant: Grant) -> bool:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == grant.challenge


def _error(status: int, code: str) -> httpx2.Response:
    return httpx2.Response(status, content=json.dumps({"error": code}).encode(),
                           headers={"content-type": "application/json"})


def other_key() -> RSAKey:
    """A key the provider never published: a token signed with it is a forgery."""
    return _new_key("key-1")  # same kid, different key: only the signature tells
