"""Webhook signatures: HMAC-SHA256 over `<timestamp>.<raw body>` with the agency's secret.

Headers on every webhook delivery (see docs/handoff.md for the receiving side):
  X-ASB-Timestamp: Unix seconds when the request was signed
  X-ASB-Signature: sha256=<hex digest>
  Idempotency-Key: the application's reference (the same on every retry)
  X-ASB-Delivery: the delivery's number (the same on every retry)
"""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def headers(secret: bytes, timestamp: int, body: bytes, reference: str, delivery_id: int) -> dict:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-ASB-Timestamp": str(timestamp),
        "X-ASB-Signature": sign(secret, timestamp, body),
        "Idempotency-Key": reference,
        "X-ASB-Delivery": str(delivery_id),
    }
