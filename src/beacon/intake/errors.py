"""The intake error tree. Every rejection an intake module makes is one of these.

    IntakeError                      code
    ├── SignatureError               signature_invalid   the request did not prove its sender
    │   ├── SignatureMissing         signature_missing
    │   └── SignatureMismatch        signature_mismatch
    ├── VerificationError            verification_failed subscription handshake refused
    ├── PayloadError                 payload_invalid     verified, but not a payload we can read
    │   ├── PayloadTooLarge          payload_too_large
    │   ├── PayloadMalformed         payload_malformed   not JSON/form/RFC 5322, or wrong shape
    │   └── PayloadUnsupported       payload_unsupported a well-formed object we do not handle
    └── ReplyError                   reply_failed        building or sending a reply failed

Codes are stable: dashboards, dead-letter rows and the web layer's problem+json read them.
Messages never contain secrets or signature values, only what is wrong and where.
"""

from __future__ import annotations


class IntakeError(Exception):
    code = "intake_error"

    def __init__(self, reason: str, *, path: str | None = None) -> None:
        self.reason = reason
        self.path = path
        super().__init__(f"{reason} (at {path})" if path else reason)


class SignatureError(IntakeError):
    code = "signature_invalid"


class SignatureMissing(SignatureError):
    code = "signature_missing"


class SignatureMismatch(SignatureError):
    code = "signature_mismatch"


class VerificationError(IntakeError):
    code = "verification_failed"


class PayloadError(IntakeError):
    code = "payload_invalid"


class PayloadTooLarge(PayloadError):
    code = "payload_too_large"


class PayloadMalformed(PayloadError):
    code = "payload_malformed"


class PayloadUnsupported(PayloadError):
    code = "payload_unsupported"


class ReplyError(IntakeError):
    code = "reply_failed"
