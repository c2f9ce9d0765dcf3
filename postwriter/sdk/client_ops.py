"""Operations: schedules, dead letters, sessions and recipes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .models import DeadLetter, Job, JobAccepted, Listing, Recipe, Schedule, Session
from .shapes import body, listing
from .transport import Transport, path_part

CookieFormat = Literal["auto", "storage_state", "extension_json", "netscape"]


class OpsArea:
    _http: Transport

    # ------------------------------------------------------------------ schedules

    async def create_schedule(
        self,
        name: str,
        url: str,
        cron: str,
        *,
        timezone: str | None = None,
        adapter: str | None = None,
        max_posts: int | None = None,
        enabled: bool | None = None,
        session_id: str | None = None,
        recipe_id: str | None = None,
        block_resources: bool | None = None,
    ) -> Schedule:
        """A recurring scrape of `url` on a cron expression (in `timezone`, default UTC)."""
        data = await self._http.request(
            "POST",
            "/v1/schedules",
            json=body(
                name=name,
                url=url,
                cron=cron,
                timezone=timezone,
                adapter=adapter,
                max_posts=max_posts,
                enabled=enabled,
                session_id=session_id,
                recipe_id=recipe_id,
                block_resources=block_resources,
            ),
        )
        return Schedule.from_json(data)

    async def list_schedules(
        self, *, enabled: bool | None = None, limit: int | None = None
    ) -> Listing[Schedule]:
        data = await self._http.request(
            "GET", "/v1/schedules", params={"enabled": enabled, "limit": limit}
        )
        return listing(Schedule, data, "schedules")

    async def get_schedule(self, schedule_id: str) -> Schedule:
        data = await self._http.request("GET", f"/v1/schedules/{path_part(schedule_id)}")
        return Schedule.from_json(data)

    async def update_schedule(self, /, schedule_id: str, **changes: Any) -> Schedule:
        """Change fields (`name`, `url`, `cron`, `timezone`, `enabled`, ...); each is sent
        as given, so `session_id=None` clears it. A new cron, time zone or `enabled`
        recomputes the next run from now."""
        data = await self._http.request(
            "PATCH", f"/v1/schedules/{path_part(schedule_id)}", json=changes
        )
        return Schedule.from_json(data)

    async def delete_schedule(self, schedule_id: str) -> None:
        """Delete the schedule; the jobs it made stay."""
        await self._http.request("DELETE", f"/v1/schedules/{path_part(schedule_id)}")

    async def enable_schedule(self, schedule_id: str) -> Schedule:
        data = await self._http.request(
            "POST", f"/v1/schedules/{path_part(schedule_id)}/enable", repeat_safe=True
        )
        return Schedule.from_json(data)

    async def disable_schedule(self, schedule_id: str) -> Schedule:
        data = await self._http.request(
            "POST", f"/v1/schedules/{path_part(schedule_id)}/disable", repeat_safe=True
        )
        return Schedule.from_json(data)

    async def list_schedule_jobs(
        self, schedule_id: str, *, limit: int | None = None
    ) -> Listing[Job]:
        """The jobs a schedule made, newest tick first."""
        data = await self._http.request(
            "GET", f"/v1/schedules/{path_part(schedule_id)}/jobs", params={"limit": limit}
        )
        return listing(Job, data, "jobs")

    # ------------------------------------------------------------------ dead letters

    async def list_dead_letters(self, *, limit: int | None = None) -> Listing[DeadLetter]:
        """Parked scrape requests, newest first (`raw["archived_now"]`: moved by this call)."""
        data = await self._http.request("GET", "/v1/dead-letters", params={"limit": limit})
        return listing(DeadLetter, data, "dead_letters")

    async def get_dead_letter(self, letter_id: str) -> DeadLetter:
        """One dead letter, with its `body` and `headers`."""
        data = await self._http.request("GET", f"/v1/dead-letters/{path_part(letter_id)}")
        return DeadLetter.from_json(data)

    async def replay_dead_letter(self, letter_id: str, *, force: bool = False) -> JobAccepted:
        """Submit the parked request again as a new job.

        A letter replayed before raises Conflict (`already_replayed`) unless `force`.
        """
        data = await self._http.request(
            "POST",
            f"/v1/dead-letters/{path_part(letter_id)}/replay",
            params={"force": force or None},
        )
        return JobAccepted.from_json(data)

    # ------------------------------------------------------------------ sessions

    async def import_session(
        self,
        platform: str,
        name: str,
        data: str | bytes,
        *,
        format: CookieFormat | None = None,
        session_id: str | None = None,
    ) -> Session:
        """Store a logged-in browser session from a cookie export (sealed on the server).

        `data` is the file's content. With `session_id`, replaces that session's cookies.
        """
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        answer = await self._http.request(
            "POST",
            "/v1/sessions",
            json=body(
                platform=platform, name=name, data=text, format=format, session_id=session_id
            ),
            # Repeating an import with the same session_id replaces the same cookies.
            repeat_safe=session_id is not None,
        )
        return Session.from_json(answer)

    async def list_sessions(self) -> Listing[Session]:
        return listing(Session, await self._http.request("GET", "/v1/sessions"), "sessions")

    async def get_session(self, session_id: str) -> Session:
        data = await self._http.request("GET", f"/v1/sessions/{path_part(session_id)}")
        return Session.from_json(data)

    async def delete_session(self, session_id: str) -> None:
        """Delete the session; its cookies are gone at once."""
        await self._http.request("DELETE", f"/v1/sessions/{path_part(session_id)}")

    # ------------------------------------------------------------------ recipes

    async def create_recipe(self, recipe: Mapping[str, Any]) -> Recipe:
        """Save a selector recipe (replacing one of the same `name`)."""
        data = await self._http.request("POST", "/v1/recipes", json=dict(recipe), repeat_safe=True)
        return Recipe.from_json(data)

    async def put_recipe(self, name: str, recipe: Mapping[str, Any]) -> Recipe:
        """Create or replace the recipe `name` (the body's `name` must be the same)."""
        data = await self._http.request("PUT", f"/v1/recipes/{path_part(name)}", json=dict(recipe))
        return Recipe.from_json(data)

    async def list_recipes(self) -> Listing[Recipe]:
        return listing(Recipe, await self._http.request("GET", "/v1/recipes"), "recipes")

    async def get_recipe(self, name: str) -> Recipe:
        return Recipe.from_json(await self._http.request("GET", f"/v1/recipes/{path_part(name)}"))

    async def delete_recipe(self, name: str) -> None:
        await self._http.request("DELETE", f"/v1/recipes/{path_part(name)}")
