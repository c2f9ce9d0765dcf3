"""Administration: webhooks, API keys and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from .models import ApiKey, AuditEvent, Listing, Webhook, WebhookDelivery
from .shapes import body, listing
from .transport import Transport, path_part

Role = Literal["viewer", "analyst", "operator", "admin"]


class AdminArea:
    _http: Transport

    # ------------------------------------------------------------------ webhooks

    async def create_webhook(
        self,
        url: str,
        events: Sequence[str],
        *,
        sources: Sequence[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> Webhook:
        """A signed callback to `url` for the given event types (`job.succeeded`,
        `job.failed`, `analysis.done`), optionally only for jobs of some source URLs.

        The answer's `secret` signs every delivery; it is shown this once.
        """
        data = await self._http.request(
            "POST",
            "/v1/webhooks",
            json=body(
                url=url,
                events=list(events),
                sources=list(sources) if sources is not None else None,
                description=description,
                enabled=enabled,
            ),
        )
        return Webhook.from_json(data)

    async def list_webhooks(self) -> Listing[Webhook]:
        return listing(Webhook, await self._http.request("GET", "/v1/webhooks"), "webhooks")

    async def get_webhook(self, webhook_id: str) -> Webhook:
        data = await self._http.request("GET", f"/v1/webhooks/{path_part(webhook_id)}")
        return Webhook.from_json(data)

    async def update_webhook(self, /, webhook_id: str, **changes: Any) -> Webhook:
        """Change `url`, `events`, `sources`, `enabled` or `description`."""
        data = await self._http.request(
            "PATCH", f"/v1/webhooks/{path_part(webhook_id)}", json=changes
        )
        return Webhook.from_json(data)

    async def delete_webhook(self, webhook_id: str) -> None:
        await self._http.request("DELETE", f"/v1/webhooks/{path_part(webhook_id)}")

    async def rotate_webhook_secret(
        self, webhook_id: str, *, keep_previous_s: int | None = None
    ) -> Webhook:
        """Replace the signing secret; the answer's `secret` is the new one, shown once.

        For `keep_previous_s` seconds deliveries carry a signature with each secret.
        """
        data = await self._http.request(
            "POST",
            f"/v1/webhooks/{path_part(webhook_id)}/rotate-secret",
            json=body(keep_previous_s=keep_previous_s),
        )
        return Webhook.from_json(data)

    async def list_webhook_deliveries(
        self,
        webhook_id: str,
        *,
        status: Literal["pending", "succeeded", "failed"] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Listing[WebhookDelivery]:
        """Deliveries newest first, each with its attempts; page with `next_cursor`."""
        data = await self._http.request(
            "GET",
            f"/v1/webhooks/{path_part(webhook_id)}/deliveries",
            params={"status": status, "limit": limit, "cursor": cursor},
        )
        return listing(WebhookDelivery, data, "deliveries")

    async def ping_webhook(self, webhook_id: str) -> WebhookDelivery:
        """Queue a test delivery (`webhook.ping`) to the webhook's URL."""
        data = await self._http.request("POST", f"/v1/webhooks/{path_part(webhook_id)}/ping")
        return WebhookDelivery.from_json(data)

    # ------------------------------------------------------------------ API keys and audit

    async def create_api_key(
        self, name: str, role: Role, *, rate_per_minute: int | None = None
    ) -> ApiKey:
        """A new key with a role; the answer's `key` is the secret, shown this once."""
        data = await self._http.request(
            "POST",
            "/v1/api-keys",
            json=body(name=name, role=role, rate_per_minute=rate_per_minute),
        )
        return ApiKey.from_json(data)

    async def list_api_keys(self) -> Listing[ApiKey]:
        """Every key, newest first (never the secrets)."""
        return listing(ApiKey, await self._http.request("GET", "/v1/api-keys"), "api_keys")

    async def get_api_key(self, key_id: str) -> ApiKey:
        data = await self._http.request("GET", f"/v1/api-keys/{path_part(key_id)}")
        return ApiKey.from_json(data)

    async def revoke_api_key(self, key_id: str) -> None:
        """Revoke a key: it stops working at once (within seconds on other replicas) and
        its record is deleted; the audit log keeps its creation and revocation."""
        await self._http.request("DELETE", f"/v1/api-keys/{path_part(key_id)}")

    async def get_settings(self) -> dict[str, Any]:
        """The API's effective settings by variable name (admin); secrets show only
        whether they are set."""
        data = await self._http.request("GET", "/v1/settings")
        settings: dict[str, Any] = data["settings"]
        return settings

    async def list_audit_events(
        self,
        *,
        limit: int | None = None,
        event: str | None = None,
        actor: str | None = None,
        before: datetime | str | None = None,
    ) -> Listing[AuditEvent]:
        """The audit log, newest first: key changes and other admin actions."""
        params = {"limit": limit, "event": event, "actor": actor, "before": before}
        data = await self._http.request("GET", "/v1/audit", params=params)
        return listing(AuditEvent, data, "events")
