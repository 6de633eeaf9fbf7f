"""The webhook signature scheme (docs/webhooks.md), in one place for the sender and for receivers to copy.

Each delivery carries `X-Portal-Timestamp: <unix seconds>` and
`X-Portal-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" keyed with the subscription's
secret>`. A receiver recomputes the HMAC over the exact bytes it received, compares in constant time and
refuses timestamps older than a few minutes, so that a captured delivery cannot be replayed later.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Portal-Signature"
TIMESTAMP_HEADER = "X-Portal-Timestamp"
EVENT_HEADER = "X-Portal-Event"
DELIVERY_HEADER = "X-Portal-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when the signature matches the body and the timestamp is recent (receivers' reference)."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return False
    if age > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")
