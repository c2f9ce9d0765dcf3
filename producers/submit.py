"""Publish scrape requests straight to RabbitMQ, as an integration would. Thin on purpose."""

from __future__ import annotations

from postwriter.messaging.broker import open_broker
from postwriter.messaging.envelope import Envelope
from postwriter.messaging.topology import SCRAPE_ROUTING_KEY
from postwriter.models.job import new_job_id
from postwriter.security.egress import EgressPolicy
from postwriter.services.scrape_request import ScrapeRequest
from postwriter.settings import Settings


async def submit(
    settings: Settings,
    url: str,
    adapter: str = "auto",
    max_posts: int = 100,
    *,
    recipe_id: str | None = None,
) -> str:
    """Publish one request (confirmed, mandatory) and return its job id."""
    EgressPolicy(settings.egress_allow).check_static(url)
    job_id = new_job_id()
    request = ScrapeRequest(job_id, url, adapter, max_posts, job_id, recipe_id=recipe_id)
    envelope = Envelope.new("scrape.request", request.to_payload(), correlation_id=job_id)
    async with open_broker(settings) as broker:
        await broker.publish(broker.topology.requests, envelope, SCRAPE_ROUTING_KEY)
    return job_id
