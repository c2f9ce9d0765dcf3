"""The optional OpenAI-compatible provider, against a local fake server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from postwriter.analysis.llm import OpenAICompatibleGenerator, ProviderFailed
from postwriter.errors import InvalidRequest
from tests.unit.test_analysis_generate import LIST_EN, LIST_HE, SUBSCRIPTION, SUBSCRIPTION_HE

KEY = "sk-test-not-a-real-key"


@dataclass
class FakeProvider:
    url: str
    answer: Any = None
    status: int = 200
    hang: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
async def provider() -> AsyncIterator[FakeProvider]:
    fake = FakeProvider(url="")
    never = asyncio.Event()

    async def completions(request: web.Request) -> web.StreamResponse:
        fake.requests.append(await request.json())
        fake.headers.append(dict(request.headers))
        if fake.hang:
            await never.wait()
        if fake.status != 200:
            return web.Response(status=fake.status, text="upstream error")
        if isinstance(fake.answer, bytes):
            return web.Response(body=fake.answer, content_type="application/json")
        return web.json_response(fake.answer)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.url = f"http://{host}:{port}/v1"
    try:
        yield fake
    finally:
        await runner.cleanup()


def chat(text: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}


async def test_rewrite_is_checked_and_keeps_template_and_link(provider: FakeProvider) -> None:
    provider.answer = chat(
        "Want your sourdough subscription? 🍞\n\n✅ Busy families skip the morning bakery trip\n"
        "✅ Over 2,000 customers in Tel Aviv\n\nOrder yours today"
    )
    link = "https://bakery.example/sub"
    async with OpenAICompatibleGenerator(provider.url, KEY, "tiny-model", timeout=5) as llm:
        draft = await llm.generate(LIST_EN, SUBSCRIPTION, hook_type="question", link=link)
    assert draft.text.startswith("Want your sourdough subscription?")
    assert draft.text.endswith(link)  # the provider dropped it; it is put back
    assert draft.template_id == LIST_EN.template_id
    assert (draft.hook_type, draft.cta_type) == ("question", "shop")
    assert {c.name: c.status for c in draft.checks}["link_for_cta"] == "pass"
    assert any("reworded by tiny-model" in note for note in draft.explanation)
    sent = provider.requests[0]
    assert sent["model"] == "tiny-model"
    assert "English" in sent["messages"][0]["content"]
    assert SUBSCRIPTION in sent["messages"][1]["content"]
    assert provider.headers[0]["Authorization"] == f"Bearer {KEY}"


async def test_provider_text_goes_through_every_check(provider: FakeProvider) -> None:
    provider.answer = chat(
        "Are you overweight? Our sourdough subscription gives guaranteed results"
    )
    async with OpenAICompatibleGenerator(provider.url, KEY, "m") as llm:
        draft = await llm.generate(LIST_EN, SUBSCRIPTION, cta_type="comment")
    checks = {c.name: c.status for c in draft.checks}
    assert checks["restricted_words"] == "fail"
    assert checks["idea_fit"] in {"pass", "warn"}
    assert draft.status == "fail"


async def test_hebrew_prompt(provider: FakeProvider) -> None:
    provider.answer = chat("מחפשים מנוי מחמצת? הזמינו עכשיו https://bakery.example/he")
    async with OpenAICompatibleGenerator(provider.url, "", "m") as llm:
        draft = await llm.generate(LIST_HE, SUBSCRIPTION_HE)
    assert "Hebrew" in provider.requests[0]["messages"][0]["content"]
    assert "Authorization" not in provider.headers[0]
    assert draft.language == "he"


@pytest.mark.parametrize(
    ("status", "answer", "reason"),
    [
        (500, None, "HTTP 500"),
        (200, {"choices": []}, "no choices"),
        (200, chat("   "), "empty"),
        (200, b"not json", "JSONDecodeError"),
    ],
)
async def test_failure_falls_back_to_the_deterministic_draft(
    provider: FakeProvider, status: int, answer: Any, reason: str
) -> None:
    provider.status, provider.answer = status, answer
    async with OpenAICompatibleGenerator(provider.url, KEY, "m") as llm:
        draft = await llm.generate(LIST_EN, SUBSCRIPTION)
        assert draft.text.startswith("Looking for Sourdough subscription?")
        assert any("provider failed" in note and reason in note for note in draft.explanation)
        with pytest.raises(ProviderFailed) as caught:
            await llm.generate(LIST_EN, SUBSCRIPTION, fallback=False)
    assert caught.value.code == "generation_provider_failed"
    assert caught.value.retryable


async def test_timeout(provider: FakeProvider) -> None:
    provider.hang = True
    async with OpenAICompatibleGenerator(provider.url, KEY, "m", timeout=0.2) as llm:
        with pytest.raises(ProviderFailed, match=r"within 0\.2 s"):
            await llm.generate(LIST_EN, SUBSCRIPTION, fallback=False)


async def test_too_large_answer(provider: FakeProvider) -> None:
    provider.answer = json.dumps(chat("x" * 300_000)).encode()
    async with OpenAICompatibleGenerator(provider.url, KEY, "m") as llm:
        with pytest.raises(ProviderFailed, match="too large"):
            await llm.generate(LIST_EN, SUBSCRIPTION, fallback=False)


async def test_unreachable_provider() -> None:
    async with OpenAICompatibleGenerator("http://127.0.0.1:9/v1", KEY, "m", timeout=2) as llm:
        with pytest.raises(ProviderFailed, match="ClientConnectorError"):
            await llm.generate(LIST_EN, SUBSCRIPTION, fallback=False)


def test_key_never_in_repr_and_config_is_validated() -> None:
    llm = OpenAICompatibleGenerator("https://api.example.com/v1/", KEY, "m")
    assert llm.endpoint == "https://api.example.com/v1/chat/completions"
    assert KEY not in repr(llm)
    for url in ("ftp://api.example.com", "api.example.com", "https://user:pw@api.example.com"):
        with pytest.raises(InvalidRequest):
            OpenAICompatibleGenerator(url, KEY, "m")
    with pytest.raises(InvalidRequest):
        OpenAICompatibleGenerator("https://api.example.com", KEY, "")
    with pytest.raises(InvalidRequest):
        OpenAICompatibleGenerator("https://api.example.com", KEY, "m", timeout=0)


async def test_outside_async_with() -> None:
    llm = OpenAICompatibleGenerator("https://api.example.com/v1", KEY, "m")
    with pytest.raises(RuntimeError):
        await llm.generate(LIST_EN, SUBSCRIPTION, fallback=False)
