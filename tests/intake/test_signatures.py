"""Signature checks for every signed channel: valid, missing, wrong secret, one byte changed."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from beacon.intake import signatures
from beacon.intake.errors import SignatureError, SignatureMismatch, SignatureMissing

BODY = b'{"object":"page","entry":[{"id":"1","time":1,"messaging":[]}]}'
SECRET = "app-secret-for-tests"


def _flip_one_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def test_hub_signature_matches_an_independent_hmac() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert signatures.hub_signature(BODY, SECRET) == f"sha256={expected}"


def test_hub_signature_accepts_valid_and_upper_case_hex() -> None:
    good = signatures.hub_signature(BODY, SECRET)
    signatures.verify_hub_signature(BODY, {"X-Hub-Signature-256": good}, SECRET)
    signatures.verify_hub_signature(BODY, {"x-hub-signature-256": good.upper()}, SECRET)


@pytest.mark.parametrize(
    ("body", "headers", "secret", "error"),
    [
        (BODY, {}, SECRET, SignatureMissing),
        (BODY, {"X-Hub-Signature-256": "  "}, SECRET, SignatureMissing),
        (BODY, {"X-Hub-Signature-256": "sha256=00"}, SECRET, SignatureMismatch),
        (
            BODY,
            {"X-Hub-Signature-256": signatures.hub_signature(BODY, "other")},
            SECRET,
            SignatureMismatch,
        ),
        (
            _flip_one_byte(BODY),
            {"X-Hub-Signature-256": signatures.hub_signature(BODY, SECRET)},
            SECRET,
            SignatureMismatch,
        ),
        (BODY, {"X-Hub-Signature-256": "sha1=" + "0" * 40}, SECRET, SignatureMismatch),
        (BODY, {"X-Hub-Signature-256": "sha256=é"}, SECRET, SignatureMismatch),
    ],
    ids=["missing", "blank", "garbage", "wrong-secret", "one-byte-changed", "sha1", "non-ascii"],
)
def test_hub_signature_rejections(body, headers, secret, error) -> None:
    with pytest.raises(error):
        signatures.verify_hub_signature(body, headers, secret)


def test_an_empty_configured_secret_never_verifies() -> None:
    with pytest.raises(SignatureMismatch):
        signatures.verify_hub_signature(BODY, {"X-Hub-Signature-256": "sha256=x"}, "")


def test_error_messages_do_not_echo_the_secret_or_signature() -> None:
    given = signatures.hub_signature(BODY, "other")
    with pytest.raises(SignatureError) as caught:
        signatures.verify_hub_signature(BODY, {"X-Hub-Signature-256": given}, SECRET)
    assert SECRET not in str(caught.value) and given not in str(caught.value)


def test_x_signature_is_base64_hmac_sha256() -> None:
    mac = base64.b64encode(hmac.new(b"consumer", BODY, hashlib.sha256).digest()).decode()
    assert signatures.x_signature(BODY, "consumer") == f"sha256={mac}"
    signatures.verify_x_signature(
        BODY, {"X-Twitter-Webhooks-Signature": f"sha256={mac}"}, consumer_secret="consumer"
    )


@pytest.mark.parametrize("case", ["missing", "wrong-secret", "one-byte-changed"])
def test_x_signature_rejections(case: str) -> None:
    good = signatures.x_signature(BODY, "consumer")
    body, headers, secret = BODY, {"x-twitter-webhooks-signature": good}, "consumer"
    if case == "missing":
        headers = {}
    elif case == "wrong-secret":
        secret = "another"
    else:
        body = _flip_one_byte(BODY)
    with pytest.raises(SignatureError):
        signatures.verify_x_signature(body, headers, consumer_secret=secret)


def test_x_crc_response_token() -> None:
    mac = hmac.new(b"consumer", b"challenge-123", hashlib.sha256).digest()
    expected = "sha256=" + base64.b64encode(mac).decode()
    assert signatures.x_crc_response("challenge-123", "consumer") == {"response_token": expected}


# Twilio's documented worked examples (auth token 12345), two published variants.
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc="),
    ],
)
def test_twilio_signature_matches_documented_vector(caller: str, expected: str) -> None:
    params = {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": [caller],
        "Digits": ["1234"],
        "From": [caller],
        "To": ["+18005551212"],
    }
    assert signatures.twilio_signature(TWILIO_URL, params, "12345") == expected
    signatures.verify_twilio_signature(
        TWILIO_URL, params, {"X-Twilio-Signature": expected}, "12345"
    )


def test_twilio_signature_survives_a_reverse_proxy_given_the_public_base() -> None:
    params = {"Body": ["help"], "From": ["+447700900123"]}
    signed_url = "https://beacon.example.police.uk/webhooks/twilio/sms"
    signature = signatures.twilio_signature(signed_url, params, "token")
    # The app behind the proxy sees http://127.0.0.1:8000/webhooks/twilio/sms.
    rebuilt = signatures.public_url("https://beacon.example.police.uk/", "/webhooks/twilio/sms")
    signatures.verify_twilio_signature(rebuilt, params, {"X-Twilio-Signature": signature}, "token")
    with pytest.raises(SignatureMismatch):
        internal = "http://127.0.0.1:8000/webhooks/twilio/sms"
        signatures.verify_twilio_signature(
            internal, params, {"X-Twilio-Signature": signature}, "token"
        )


def test_twilio_signature_accepts_url_with_or_without_default_port() -> None:
    params = {"Body": ["hi"]}
    with_port = signatures.twilio_signature(
        "https://b.example:443/webhooks/twilio/sms", params, "t"
    )
    signatures.verify_twilio_signature(
        "https://b.example/webhooks/twilio/sms", params, {"X-Twilio-Signature": with_port}, "t"
    )


@pytest.mark.parametrize("case", ["missing", "wrong-secret", "one-byte-changed", "extra-param"])
def test_twilio_signature_rejections(case: str) -> None:
    params: dict[str, list[str]] = {"Body": ["help"], "From": ["+447700900123"]}
    good = signatures.twilio_signature(TWILIO_URL, params, "token")
    headers, token = {"X-Twilio-Signature": good}, "token"
    if case == "missing":
        headers = {}
    elif case == "wrong-secret":
        token = "other"
    elif case == "one-byte-changed":
        params = {"Body": ["helq"], "From": ["+447700900123"]}
    else:
        params = {**params, "Injected": ["1"]}
    with pytest.raises(SignatureError):
        signatures.verify_twilio_signature(TWILIO_URL, params, headers, token)


def test_telegram_secret_token() -> None:
    signatures.verify_secret_token(
        {"X-Telegram-Bot-Api-Secret-Token": "s3cret_-"}, signatures.TELEGRAM_HEADER, "s3cret_-"
    )
    with pytest.raises(SignatureMissing):
        signatures.verify_secret_token({}, signatures.TELEGRAM_HEADER, "s3cret_-")
    with pytest.raises(SignatureMismatch):
        signatures.verify_secret_token(
            {"X-Telegram-Bot-Api-Secret-Token": "s3cret_."}, signatures.TELEGRAM_HEADER, "s3cret_-"
        )


def _x_mac(secret: str, body: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_x_oauth2_header_is_checked_with_the_client_secret() -> None:
    # X's OAuth 2.0 header: the same base64 HMAC-SHA256, keyed with the app's client secret.
    headers = {"X-Twitter-Webhooks-Signature-OAuth2": _x_mac("client", BODY)}
    signatures.verify_x_signature(BODY, headers, client_secret="client")
    signatures.verify_x_signature(BODY, headers, consumer_secret="consumer", client_secret="client")
    with pytest.raises(SignatureMismatch):
        signatures.verify_x_signature(BODY, headers, consumer_secret="client")  # no client secret
    with pytest.raises(SignatureMismatch):
        signatures.verify_x_signature(_flip_one_byte(BODY), headers, client_secret="client")


def test_a_bad_oauth2_signature_is_not_rescued_by_a_good_legacy_one() -> None:
    headers = {
        "X-Twitter-Webhooks-Signature-OAuth2": _x_mac("not-the-client-secret", BODY),
        "X-Twitter-Webhooks-Signature": _x_mac("consumer", BODY),
    }
    with pytest.raises(SignatureMismatch):
        signatures.verify_x_signature(BODY, headers, consumer_secret="consumer", client_secret="client")
    # Without a client secret configured, the legacy header (and the consumer secret) decide.
    signatures.verify_x_signature(BODY, headers, consumer_secret="consumer")


def test_x_with_neither_header_is_missing() -> None:
    with pytest.raises(SignatureMissing):
        signatures.verify_x_signature(BODY, {}, consumer_secret="consumer", client_secret="client")


JSON_BODY = b'{"MessageSid": "SM0123456789abcdef0123456789abcdef", "Body": "help"}'


def _twilio_json_url(body: bytes) -> str:
    return f"https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256={hashlib.sha256(body).hexdigest()}"


def _twilio_url_mac(url: str, token: str) -> str:
    # Twilio's scheme for a JSON body: HMAC-SHA1 over the URL alone (it carries bodySHA256).
    return base64.b64encode(hmac.new(token.encode(), url.encode(), hashlib.sha1).digest()).decode()


def test_twilio_json_body_is_verified_by_url_signature_and_body_hash() -> None:
    url = _twilio_json_url(JSON_BODY)
    headers = {"X-Twilio-Signature": _twilio_url_mac(url, "12345")}
    signatures.verify_twilio_json_body(url, JSON_BODY, headers, "12345")
    assert signatures.twilio_url_body_hash(url) == hashlib.sha256(JSON_BODY).hexdigest()
    assert signatures.twilio_url_body_hash(TWILIO_URL) is None


@pytest.mark.parametrize("case", ["body-changed", "hash-changed", "wrong-token", "missing"])
def test_twilio_json_body_rejections(case: str) -> None:
    url, body, token = _twilio_json_url(JSON_BODY), JSON_BODY, "12345"
    headers = {"X-Twilio-Signature": _twilio_url_mac(url, token)}
    if case == "body-changed":  # the URL's signature still holds; the body no longer hashes to it
        body = JSON_BODY.replace(b"help", b"hflp")
    elif case == "hash-changed":  # a forger swaps in the hash of their own body
        url = _twilio_json_url(b'{"Body": "forged"}')
    elif case == "wrong-token":
        token = "other"
    else:
        headers = {}
    with pytest.raises(SignatureError):
        signatures.verify_twilio_json_body(url, body, headers, token)
