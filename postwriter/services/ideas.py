"""From an idea to ranked templates and drafted posts, over what analysis stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from postwriter.analysis.generate import NoTemplates, Ranked, adgen, preview, rank_templates
from postwriter.analysis.templates import Template
from postwriter.storage.database import Database, Document


@dataclass(frozen=True, slots=True)
class Ideas:
    idea: str
    ranked: list[Ranked]
    drafts: list[Any]
    preview: str


def ranked_json(item: Ranked) -> dict[str, Any]:
    template = item.template
    return {
        "template_id": template.template_id,
        "similarity": round(item.similarity, 4),
        "topic_fit": round(item.topic_fit, 4),
        "total": round(item.total, 4),
        "reasons": item.reasons,
        "skeleton": template.skeleton,
        "score": template.score,
        "language": template.language,
    }


async def load_templates(
    db: Database, page_id: str | None
) -> tuple[list[Template], list[dict[str, Any]]]:
    """A page's templates and topics (all pages' when no page is named)."""
    query: dict[str, Any] = {}
    topics: list[dict[str, Any]] = []
    if page_id is not None:
        platform, _, source = page_id.partition(":")
        query = {"platform": platform, "source": source}
        page: Document | None = await db.pages.find_one({"_id": page_id})
        topics = list((page or {}).get("topics") or [])
    docs = await db.templates.find(query, projection={"_id": False}).to_list()
    templates = [Template.from_json(_template_json(d)) for d in docs]
    if not templates:
        where = f" for {page_id}" if page_id else ""
        raise NoTemplates(
            f"no templates yet{where}: scrape a page and let analysis finish, then try again"
        )
    return templates, topics


def _template_json(doc: Document) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("platform", "created_at", "updated_at")}


async def rank(
    db: Database, idea: str, *, page_id: str | None, language: str | None, limit: int
) -> list[Ranked]:
    templates, topics = await load_templates(db, page_id)
    return rank_templates(idea, templates, language=language, topics=topics, limit=limit)


async def generate(
    db: Database,
    idea: str,
    *,
    page_id: str | None,
    language: str | None,
    n: int,
    link: str | None = None,
) -> Ideas:
    templates, topics = await load_templates(db, page_id)
    ranked, drafts = adgen(idea, templates, n=n, language=language, topics=topics, link=link)
    return Ideas(idea, ranked, drafts, preview(idea, ranked, drafts))
