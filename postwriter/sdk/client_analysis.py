"""Analysis: pages, topics, templates, ranked ideas and generated posts."""

from __future__ import annotations

from typing import Literal

from .models import Generation, IdeaRanking, Listing, Page, Template, Topic
from .shapes import body, listing, mapping
from .transport import Transport, path_part

Language = Literal["en", "he"]


class AnalysisArea:
    _http: Transport

    async def list_pages(self) -> Listing[Page]:
        """Every analysed page (without its effects and topics), by page id."""
        return listing(Page, await self._http.request("GET", "/v1/pages"), "pages")

    async def get_page_analytics(self, page_id: str) -> Page:
        """What analysis found on a page: voice, effects, topics, outliers.

        `page_id` is `platform:source`, e.g. `facebook:acmecoffee`; a page not analysed yet
        raises NotFound.
        """
        data = await self._http.request("GET", f"/v1/pages/{path_part(page_id)}/analytics")
        return Page.from_json(data)

    async def get_page_topics(self, page_id: str) -> list[Topic]:
        data = mapping(await self._http.request("GET", f"/v1/pages/{path_part(page_id)}/topics"))
        return list(listing(Topic, data, "topics"))

    async def list_templates(
        self, *, page_id: str | None = None, limit: int | None = None
    ) -> Listing[Template]:
        """Templates, best score first; one page's with `page_id`."""
        data = await self._http.request(
            "GET", "/v1/templates", params={"page_id": page_id, "limit": limit}
        )
        return listing(Template, data, "templates")

    async def get_template(self, template_id: str) -> Template:
        data = await self._http.request("GET", f"/v1/templates/{path_part(template_id)}")
        return Template.from_json(data)

    async def rank_ideas(
        self,
        idea: str,
        *,
        page_id: str | None = None,
        language: Language | None = None,
        limit: int | None = None,
    ) -> IdeaRanking:
        """The templates that fit an idea best, with the reasons, best first.

        Raises Conflict (`no_templates`) before analysis has stored any template.
        """
        data = await self._http.request(
            "POST",
            "/v1/ideas",
            json=body(idea=idea, page_id=page_id, language=language, limit=limit),
            repeat_safe=True,  # a computation: repeating it changes nothing
        )
        return IdeaRanking.from_json(data)

    async def generate_posts(
        self,
        idea: str,
        *,
        page_id: str | None = None,
        language: Language | None = None,
        vars: int | None = None,
        link: str | None = None,
    ) -> Generation:
        """`vars` post variations (A/B drafts) of the best template, written from the idea.

        Each draft has quality `checks` and a `status` (the worst of them). Raises Conflict
        (`no_templates`) before analysis has stored any template.
        """
        data = await self._http.request(
            "POST",
            "/v1/generate",
            json=body(idea=idea, page_id=page_id, language=language, vars=vars, link=link),
            repeat_safe=True,  # deterministic and stores nothing
        )
        return Generation.from_json(data)
