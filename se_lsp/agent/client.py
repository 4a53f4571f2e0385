"""The OpenAI-compatible client: one lazily created SDK client, streaming, bounded, classified.

Importing openai costs about a second, so it happens on the first request, never
when the server starts. `stream` yields the reply as typed pieces: answer text,
reasoning text (the `reasoning_content` / `reasoning` deltas of DeepSeek, llama.cpp,
vLLM and Ollama, which are never part of the answer) and a final `Result`. Chunks
without choices (usage, Azure's filter annotations) or without a delta are read for
what they carry and otherwise skipped. Failures of every kind (the SDK's, malformed
bodies, recursion, timeouts) become one typed error that names the endpoint; a stream
that ends without `finish_reason == "stop"` is an error.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from se_lsp.agent.errors import (
    AgentError,
    EndpointFailed,
    ModelDeclined,
    NotConfigured,
    ReplyIncomplete,
    from_exception,
    short,
)
from se_lsp.core.policy import PolicyError, host_of, is_loopback_literal
from se_lsp.core.policy import check_local_only as policy_check_local_only
from se_lsp.core.settings import AgentSettings

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
MAX_REPLY_CHARS = 1_000_000
FORMATS = ("json_schema", "json_object", "none")

CONFIGURE_HINT = (
    "No model endpoint is configured for the se-lsp agent. Set seLsp.agent.baseUrl "
    "(e.g. http://127.0.0.1:11434/v1 for Ollama) and seLsp.agent.model in your editor "
    "settings, or the environment variables OPENAI_BASE_URL and SE_LSP_MODEL; put the API key "
    "in an environment variable (OPENAI_API_KEY, or the one named by seLsp.agent.apiKeyEnv). "
    "See docs/agent.md."
)


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    model: str
    api_key: str = field(repr=False)
    key_source: str
    local_only: bool = False
    timeout: float = 60.0
    temperature: float | None = None
    max_output_tokens: int = 4096


def endpoint_from(settings: AgentSettings, env: Mapping[str, str] | None = None) -> Endpoint:
    """Where requests go, from editor settings and the environment only (never workspace files)."""
    env = os.environ if env is None else env
    base_url = settings.base_url or env.get("OPENAI_BASE_URL") or None
    model = settings.model or env.get("SE_LSP_MODEL") or None
    if model is None or (base_url is None and not env.get("OPENAI_API_KEY")):
        raise NotConfigured(CONFIGURE_HINT)
    base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
    key_var = settings.api_key_env or "OPENAI_API_KEY"
    key = env.get(key_var, "")
    if not key and not is_loopback_literal(base_url):
        raise NotConfigured(
            f"No API key for {base_url}: the environment variable {key_var} is empty. "
            "Set it, or name another one with seLsp.agent.apiKeyEnv."
        )
    return Endpoint(
        base_url=base_url,
        model=model,
        api_key=key or "no-key",
        key_source=key_var,
        local_only=settings.local_only,
        timeout=settings.timeout_seconds,
        temperature=settings.temperature,
        max_output_tokens=settings.max_output_tokens,
    )


def _host(url: str) -> str:
    return host_of(url)


async def check_local_only(url: str) -> None:
    """Local-only mode's check (core/policy.py), as an error for the user."""
    try:
        await policy_check_local_only(url)
    except PolicyError as err:
        raise EndpointFailed(str(err)) from None


@dataclass
class Content:
    """A piece of the answer text."""

    text: str


@dataclass
class Reasoning:
    """A piece of the model's reasoning: progress to show, never the answer."""

    text: str


@dataclass
class Result:
    """How the stream ended: always the last piece of a successful stream."""

    text: str
    finish_reason: str | None
    tokens_in: int | None
    tokens_out: int | None
    seconds: float
    format: str
    # Prompt tokens the provider served from its prompt cache (None: not reported).
    tokens_cached: int | None = None


Piece = Content | Reasoning | Result


@dataclass
class Stats:
    """What `se-lsp.showStats` reports."""

    requests: int = 0
    cache_hits: int = 0
    errors: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_cached: int = 0
    usage_missing: int = 0
    latencies: list[float] = field(default_factory=list)
    findings: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    last: str = ""  # the last review's outcome, in words

    def record(self, result: Result) -> None:
        self.latencies.append(result.seconds)
        if result.tokens_in is None and result.tokens_out is None:
            self.usage_missing += 1
        self.tokens_in += result.tokens_in or 0
        self.tokens_out += result.tokens_out or 0
        self.tokens_cached += result.tokens_cached or 0

    def describe(self) -> str:
        lat = sorted(self.latencies)
        if lat:
            median = lat[len(lat) // 2]
            latency = f"latency median {median:.2f} s, max {lat[-1]:.2f} s"
        else:
            latency = "no completed requests"
        missing = f" ({self.usage_missing} replies without usage)" if self.usage_missing else ""
        saved = ""
        if self.tokens_cached:
            share = self.tokens_cached / self.tokens_in if self.tokens_in else 0.0
            saved = f", {self.tokens_cached} of them from the provider's prompt cache ({share:.0%})"
        last = f"; last review: {self.last}" if self.last else ""
        return (
            f"se-lsp agent: {self.requests} model requests, {self.cache_hits} cache hits, "
            f"{self.errors} errors; {counted(self.findings, self.dropped)} in all{last}; "
            f"tokens in {self.tokens_in}{saved}, out {self.tokens_out}{missing}; {latency}"
        )


def counted(findings: int, dropped: Counter[str]) -> str:
    """ "3 findings, 2 dropped (1 anchor not in the selection, 1 no title)"."""
    text = f"{findings} finding{'s' if findings != 1 else ''}"
    n = sum(dropped.values())
    if n:
        why = ", ".join(f"{c} {reason}" for reason, c in dropped.most_common())
        text += f", {n} dropped ({why})"
    return text


class _Failed:
    def __init__(self, err: BaseException) -> None:
        self.err = err


class ModelClient:
    """Owns the SDK clients (one per endpoint) and what each endpoint accepted."""

    def __init__(self, stats: Stats | None = None) -> None:
        self._clients: dict[tuple[str, str, bool], Any] = {}
        self.formats: dict[str, str] = {}
        self.stats = stats or Stats()

    def _client(self, ep: Endpoint) -> Any:
        key = (ep.base_url, ep.api_key, ep.local_only)
        client = self._clients.get(key)
        if client is None:
            import openai  # deferred: costs ~1 s, paid only when the agent is used

            http = openai.DefaultAsyncHttpxClient(
                trust_env=not ep.local_only, follow_redirects=False
            )
            client = openai.AsyncOpenAI(
                base_url=ep.base_url,
                api_key=ep.api_key,
                max_retries=1,
                timeout=min(ep.timeout, 60.0),
                http_client=http,
            )
            self._clients[key] = client
        return client

    async def stream(
        self,
        ep: Endpoint,
        system: str,
        user: str,
        schema: dict[str, Any],
        *,
        temperature: float | None = None,
    ) -> AsyncIterator[Piece]:
        """One streamed chat completion as Content / Reasoning pieces, then its Result.

        The HTTP stream lives in a task of its own under the overall deadline, so the
        deadline never fires in the caller's code; closing this iterator (or cancelling
        its consumer) cancels that task, which closes the connection.
        """
        self.stats.requests += 1
        queue: asyncio.Queue[Piece | _Failed] = asyncio.Queue()
        task = asyncio.get_running_loop().create_task(
            self._produce(queue, ep, system, user, schema, temperature)
        )
        try:
            while True:
                item = await queue.get()
                if isinstance(item, _Failed):
                    self.stats.errors += 1
                    raise from_exception(item.err, ep) from None
                if isinstance(item, Result):
                    self._check_finish(ep, item)
                    self.stats.record(item)
                    yield item
                    return
                yield item
        finally:
            if not task.done():
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def complete(
        self,
        ep: Endpoint,
        system: str,
        user: str,
        schema: dict[str, Any],
        on_text: Callable[[str], None] | None = None,
        *,
        temperature: float | None = None,
    ) -> Result:
        """The whole stream at once (answer pieces passed to `on_text`): for tests and tools."""
        result = None
        async for piece in self.stream(ep, system, user, schema, temperature=temperature):
            if isinstance(piece, Content) and on_text is not None:
                on_text(piece.text)
            elif isinstance(piece, Result):
                result = piece
        assert result is not None
        return result

    def _check_finish(self, ep: Endpoint, result: Result) -> None:
        if result.finish_reason == "stop":
            return
        self.stats.errors += 1
        why = result.finish_reason or "none: the stream was cut"
        hint = ""
        if result.finish_reason == "length":
            hint = " Raise seLsp.agent.maxOutputTokens or select less code."
        elif result.finish_reason == "content_filter":
            hint = " The provider's content filter stopped the reply."
        raise ReplyIncomplete(
            f"The reply from {ep.base_url} ended before it was complete "
            f"(finish_reason: {why}); only findings that were complete are kept.{hint}"
        )

    async def _produce(
        self,
        queue: asyncio.Queue[Piece | _Failed],
        ep: Endpoint,
        system: str,
        user: str,
        schema: dict[str, Any],
        temperature: float | None,
    ) -> None:
        try:
            async with asyncio.timeout(ep.timeout):
                if ep.local_only:
                    await check_local_only(ep.base_url)
                started = time.perf_counter()
                stream, fmt = await self._open(ep, system, user, schema, temperature)
                result = await self._consume(stream, queue, started, fmt)
            queue.put_nowait(result)
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # every failure, typed by the consumer
            if not isinstance(err, Exception):
                raise
            queue.put_nowait(_Failed(err))

    async def _open(
        self,
        ep: Endpoint,
        system: str,
        user: str,
        schema: dict[str, Any],
        temperature: float | None,
    ) -> tuple[Any, str]:
        """Start the request, stepping down the response_format the endpoint refuses."""
        client = self._client(ep)
        known = self.formats.get(ep.base_url)
        order = FORMATS[FORMATS.index(known) :] if known else FORMATS
        # The user's setting wins over the agent file's hint.
        temp = ep.temperature if ep.temperature is not None else temperature
        for fmt in order:
            kwargs: dict[str, Any] = {
                "model": ep.model,
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
                "stream": True,
                "stream_options": {"include_usage": True},
            }
            if "openai.com" in host_of(ep.base_url) or "azure" in host_of(ep.base_url):
                kwargs["max_completion_tokens"] = ep.max_output_tokens
            else:
                kwargs["max_tokens"] = ep.max_output_tokens
            if temp is not None:
                kwargs["temperature"] = temp
            if fmt == "json_schema":
                kwargs["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "performance_review", "schema": schema},
                }
            elif fmt == "json_object":
                kwargs["response_format"] = {"type": "json_object"}
            try:
                stream = await client.chat.completions.create(**kwargs)
            except Exception as err:
                import openai

                rejected = isinstance(
                    err, openai.BadRequestError | openai.UnprocessableEntityError
                ) and _mentions_response_format(err)
                if rejected and fmt != "none":
                    log.info("%s refused response_format %s; trying the next", ep.base_url, fmt)
                    continue
                raise
            self.formats[ep.base_url] = fmt
            return stream, fmt
        raise EndpointFailed(f"{ep.base_url} refused every request format")  # pragma: no cover

    async def _consume(
        self, stream: Any, queue: asyncio.Queue[Piece | _Failed], started: float, fmt: str
    ) -> Result:
        parts: list[str] = []
        size = 0
        finish: str | None = None
        tokens_in = tokens_out = tokens_cached = None
        refusals: list[str] = []
        try:
            async for chunk in stream:
                usage = getattr(chunk, "usage", None)
                if usage is not None and not isinstance(usage, str | int | float | list):
                    tokens_in = getattr(usage, "prompt_tokens", None)
                    tokens_out = getattr(usage, "completion_tokens", None)
                    details = getattr(usage, "prompt_tokens_details", None)
                    tokens_cached = getattr(details, "cached_tokens", None)
                choices = getattr(chunk, "choices", None) or ()
                if not isinstance(choices, list | tuple):
                    raise TypeError("a chunk's choices are not a list")
                for choice in choices:
                    delta = getattr(choice, "delta", None)  # Azure annotations carry none
                    if isinstance(choice, str | int | float) or isinstance(
                        delta, str | int | float | list
                    ):
                        raise TypeError("a chunk's choice or delta is not an object")
                    if delta is not None:
                        refusal = getattr(delta, "refusal", None)
                        if isinstance(refusal, str):
                            refusals.append(refusal)
                        thought = _reasoning_of(delta)
                        if thought:
                            size += len(thought)
                            queue.put_nowait(Reasoning(thought))
                        text = getattr(delta, "content", None)
                        if isinstance(text, str) and text:
                            size += len(text)
                            parts.append(text)
                            queue.put_nowait(Content(text))
                        if size > MAX_REPLY_CHARS:
                            raise EndpointFailed("the reply exceeded 1,000,000 characters")
                    reason = getattr(choice, "finish_reason", None)
                    if reason:
                        finish = reason
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                await close()
        if not parts and refusals:
            from se_lsp.agent.validate import clean_code

            said = short(clean_code("".join(refusals)))
            raise ModelDeclined(
                f"the model declined to review this code ({said}). "
                "Select other code, or choose another model (seLsp.agent.model)."
            )
        return Result(
            "".join(parts),
            finish,
            tokens_in if isinstance(tokens_in, int) else None,
            tokens_out if isinstance(tokens_out, int) else None,
            time.perf_counter() - started,
            fmt,
            tokens_cached if isinstance(tokens_cached, int) else None,
        )

    async def aclose(self) -> None:
        for client in self._clients.values():
            try:
                await client.close()
            except Exception:  # closing is best effort at shutdown
                pass
        self._clients.clear()


def _reasoning_of(delta: Any) -> str:
    """Reasoning text of a delta: `reasoning_content` (DeepSeek, llama.cpp, older vLLM)
    or `reasoning` (vLLM since 0.9, Ollama, OpenRouter)."""
    for name in ("reasoning_content", "reasoning"):
        value = getattr(delta, name, None)
        if isinstance(value, str) and value:
            return value
    return ""


def _mentions_response_format(err: Any) -> bool:
    param = getattr(err, "param", None)
    text = f"{param} {getattr(err, 'message', '')} {getattr(err, 'body', '')}".lower()
    return "response_format" in text or "json_schema" in text or "json_object" in text


__all__ = [
    "AgentError",
    "Content",
    "Endpoint",
    "ModelClient",
    "NotConfigured",
    "Reasoning",
    "Result",
    "Stats",
    "endpoint_from",
]
