"""Optional: let an OpenAI-compatible chat endpoint reword a deterministic draft.

Off unless the operator configures it. The deterministic draft is always made first (same
template, hook, CTA and explanation); the provider only rewords it, and its answer goes through
the same quality checks. When the provider fails the deterministic draft is returned with a
note (or `ProviderFailed` is raised with `fallback=False`). The endpoint is the operator's
choice (a hosted service or a local server), so the scrape egress policy does not apply; the
API key is sent only as a bearer token and never logged or shown in `repr`.
"""

from __future__ import annotations

import json
import logging
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from postwriter.analysis import quality
from postwriter.analysis.generate import Draft, fill, idea_fit, parse_idea
from postwriter.analysis.templates import Template
from postwriter.errors import InvalidRequest, PostWriterError

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 256 * 1024
SYSTEM_PROMPT = (
    "You reword social-media marketing posts. Write in {language_name}. Keep the line "
    "breaks, bullet markers, emojis, the opening hook's type ({hook}), the call to action and "
    "any link exactly as they are. Use only facts already in the draft. Do not promise "
    "results, make health claims or say anything about the reader's personal attributes. "
    "Answer with the post text only."
)
_LANGUAGE_NAMES = {"en": "English", "he": "Hebrew"}


class ProviderFailed(PostWriterError):
    """The text-generation provider did not answer usefully (status, timeout, format)."""

    code = "generation_provider_failed"
    http_status = 502
    retryable = True


class OpenAICompatibleGenerator:
    """`async with OpenAICompatibleGenerator(url, key, model) as llm: await llm.generate(...)`.

    `base_url` is the API root that `/chat/completions` is appended to, e.g.
    `https://api.openai.com/v1` or `http://127.0.0.1:8000/v1`.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        timeout: float = 30.0,
        *,
        temperature: float = 0.7,
        max_tokens: int = 700,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
            raise InvalidRequest("the provider URL must be http(s)://host[/path]", field="base_url")
        if not model:
            raise InvalidRequest("name the provider's model", field="model")
        if not 0 < timeout <= 300:
            raise InvalidRequest("the provider timeout must be in (0, 300] s", field="timeout")
        self.endpoint = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout = timeout
        self.temperature = temperature
        self.max_tokens = max_tokens
        self._api_key = api_key
        self._http: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"OpenAICompatibleGenerator(endpoint={self.endpoint!r}, model={self.model!r})"

    async def __aenter__(self) -> OpenAICompatibleGenerator:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _complete(self, system: str, user: str) -> str:
        if self._http is None:
            raise RuntimeError("use the generator inside `async with`")
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            async with self._http.post(self.endpoint, json=body, headers=headers) as response:
                if response.status != 200:
                    raise ProviderFailed(f"the provider answered HTTP {response.status}")
                raw = bytearray()
                async for chunk in response.content.iter_chunked(16 * 1024):
                    raw += chunk
                    if len(raw) > MAX_RESPONSE_BYTES:
                        raise ProviderFailed("the provider's answer is too large")
                payload: Any = json.loads(raw.decode("utf-8"))
        except TimeoutError as exc:
            raise ProviderFailed(f"the provider did not answer within {self.timeout:g} s") from exc
        except (aiohttp.ClientError, UnicodeDecodeError, ValueError) as exc:
            raise ProviderFailed(f"the provider call failed: {type(exc).__name__}") from exc
        try:
            text = payload["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderFailed("the provider's answer has no choices[0].message.content") from exc
        if not isinstance(text, str) or not text.strip():
            raise ProviderFailed("the provider's answer is empty")
        return text.strip()

    async def rewrite(self, draft: Draft, idea: str, *, link: str | None = None) -> Draft:
        """The draft reworded by the provider, checked again; raises ProviderFailed."""
        system = SYSTEM_PROMPT.format(
            language_name=_LANGUAGE_NAMES.get(draft.language, draft.language), hook=draft.hook_type
        )
        text = await self._complete(system, f"Idea: {idea}\n\nDraft:\n{draft.text}")
        notes = [*draft.explanation, f"reworded by {self.model} (OpenAI-compatible provider)"]
        if link and link not in text:
            text = f"{text}\n{link}"
            notes.append("the provider dropped the link: it is added back at the end")
        warnings = [c.message for c in draft.checks if c.name == "idea_fit" and c.status == "warn"]
        checks = [
            *quality.check(text, language=draft.language, cta_type=draft.cta_type, link=link),
            idea_fit(text, parse_idea(idea, draft.language), warnings),
        ]
        return Draft(
            text,
            draft.template_id,
            draft.hook_type,
            draft.cta_type,
            draft.language,
            checks,
            notes,
            dict(draft.tone),
        )

    async def generate(
        self,
        template: Template,
        idea: str,
        *,
        hook_type: str | None = None,
        cta_type: str | None = None,
        link: str | None = None,
        fallback: bool = True,
    ) -> Draft:
        draft = fill(template, idea, hook_type=hook_type, cta_type=cta_type, link=link)
        try:
            return await self.rewrite(draft, idea, link=link)
        except ProviderFailed as exc:
            if not fallback:
                raise
            log.warning("text provider failed, deterministic draft kept: %s", exc.message)
            return Draft(
                draft.text,
                draft.template_id,
                draft.hook_type,
                draft.cta_type,
                draft.language,
                draft.checks,
                [*draft.explanation, f"provider failed ({exc.message}): deterministic draft kept"],
                dict(draft.tone),
            )
