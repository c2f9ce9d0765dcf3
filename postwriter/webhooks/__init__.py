"""Webhooks: signed HTTP callbacks for job and analysis events.

`store` holds the webhooks (secrets sealed with the key ring), `deliveries` one record per
(webhook, event) with its attempts, `dispatcher` turns events into deliveries and attempts
them with retries, `delivery` sends one POST through the egress policy, and `signing` signs
bodies and verifies them for receivers.
"""
