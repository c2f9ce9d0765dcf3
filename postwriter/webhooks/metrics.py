"""Webhook metrics. Names are a contract with deploy/prometheus/rules/webhooks.rules.yml."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# result: success, http_error (a non-2xx answer), timeout, connection_error,
# blocked_destination, decryption_failed, webhook_gone (deleted or disabled meanwhile).
WEBHOOK_ATTEMPTS = Counter(
    "postwriter_webhook_attempts_total", "Webhook delivery attempts", ["result"]
)
# outcome: succeeded or failed (gave up). Each delivery counts once, when it ends.
WEBHOOK_DELIVERIES = Counter(
    "postwriter_webhook_deliveries_total",
    "Webhook deliveries that ended",
    ["event", "outcome"],
)
WEBHOOK_ATTEMPT_DURATION = Histogram(
    "postwriter_webhook_attempt_duration_seconds",
    "Wall time of one webhook POST, connect to response",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
)
# The same figure on every dispatcher replica (it counts the shared collection): use max().
WEBHOOK_PENDING = Gauge(
    "postwriter_webhook_deliveries_pending", "Webhook deliveries waiting for an attempt"
)
