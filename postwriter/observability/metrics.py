"""Prometheus metrics. Names are a contract with deploy/prometheus rules and dashboards."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "postwriter_http_requests_total", "API requests", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "postwriter_http_request_duration_seconds", "API request latency", ["method", "route"]
)
JOBS_SUBMITTED = Counter("postwriter_jobs_submitted_total", "Jobs accepted")
JOBS_FINISHED = Counter(
    "postwriter_jobs_finished_total", "Jobs that reached a final state", ["status", "code"]
)
JOBS_IN_PROGRESS = Gauge("postwriter_jobs_in_progress", "Jobs being scraped by this process")
SCRAPE_DURATION = Histogram(
    "postwriter_scrape_duration_seconds",
    "Wall time of one scrape attempt",
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600),
)
PAGES_LOADED = Counter("postwriter_pages_loaded_total", "Pages rendered in Chromium")
POSTS_STORED = Counter("postwriter_posts_stored_total", "Posts written", ["result"])
MESSAGES = Counter("postwriter_messages_total", "AMQP messages handled", ["queue", "outcome"])
WS_CLIENTS = Gauge("postwriter_ws_clients", "Open WebSocket clients")
WS_DROPPED = Counter(
    "postwriter_ws_clients_dropped_total", "WebSocket clients closed by the server", ["reason"]
)
BROWSER_RESTARTS = Counter("postwriter_browser_restarts_total", "Chromium relaunches", ["reason"])
PUBLISH_FAILURES = Counter(
    "postwriter_publish_failures_total", "Publishes not confirmed in time", ["exchange"]
)
