"""The OpenAI-compatible client: one lazily created SDK client, streaming, bounded, classified.

Importing openai costs about a second, so it happens on the first request, never
when the server starts. Failures of every kind (the SDK's, malformed bodies,
recursion, timeouts) are caught at this boundary and turned into one message that
names the endpoint; a stream that ends without `finish_reason == "stop"` is an error.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from se_lsp.core.policy import PolicyError, host_of, is_loopback_literal, redact
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


class AgentError(Exception):
    """A failure to show the user as it is: one clear line, no traceback, no secrets."""


class NotConfigured(AgentError):
    pass


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


async def check_local_only(url: str) -> None:
    """Local-only mode's check (core/policy.py), as an AgentError for the runner."""
    try:
        await policy_check_local_only(url)
    except PolicyError as err:
        raise AgentError(str(err)) from None


@dataclass
class Result:
    text: str
    finish_reason: str | None
    tokens_in: int | None
    tokens_out: int | None
    seconds: float
    format: str
    # Prompt tokens the provider served from its prompt cache (None: not reported).
    tokens_cached: int | None = None


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
        return (
            f"se-lsp agent: {self.requests} model requests, {self.cache_hits} cache hits, "
            f"{self.errors} errors; tokens in {self.tokens_in}{saved}, out {self.tokens_out}"
            f"{missing}; {latency}"
        )


def _mentions_response_format(err: Any) -> bool:
    param = getattr(err, "param", None)
    text = f"{param} {getattr(err, 'message', '')} {getattr(err, 'body', '')}".lower()
    return "response_format" in text or "json_schema" in text


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

    async def complete(
        self,
        ep: Endpoint,
        system: str,
        user: str,
        schema: dict[str, Any],
        on_text: Callable[[str], None],
        *,
        temperature: float | None = None,
    ) -> Result:
        """Stream one chat completion, calling `on_text` with each piece of content."""
        self.stats.requests += 1
        try:
            if ep.local_only:
                await check_local_only(ep.base_url)
            async with asyncio.timeout(ep.timeout):
                result = await self._stream(ep, system, user, schema, on_text, temperature)
        except asyncio.CancelledError:
            raise
        except AgentError as err:
            self.stats.errors += 1
            if ep.base_url in str(err):
                raise
            raise AgentError(self.describe_error(ep, err)) from None  # name the endpoint
        except BaseException as err:
            if not isinstance(err, Exception):
                raise
            self.stats.errors += 1
            raise AgentError(self.describe_error(ep, err)) from None
        if result.finish_reason != "stop":
            self.stats.errors += 1
            why = result.finish_reason or "none: the stream was cut"
            hint = (
                " Raise seLsp.agent.maxOutputTokens or select less code."
                if result.finish_reason == "length"
                else ""
            )
            raise AgentError(
                f"The reply from {ep.base_url} ended before it was complete "
                f"(finish_reason: {why}); only findings that were complete are kept.{hint}"
            )
        self.stats.record(result)
        return result

    async def _stream(
        self,
        ep: Endpoint,
        system: str,
        user: str,
        schema: dict[str, Any],
        on_text: Callable[[str], None],
        temperature: float | None,
    ) -> Result:
        client = self._client(ep)
        started = time.perf_counter()
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
                    log.info("%s rejected response_format %s; trying the next", ep.base_url, fmt)
                    continue
                raise
            self.formats[ep.base_url] = fmt
            return await self._consume(stream, on_text, started, fmt)
        raise AgentError(f"{ep.base_url} rejected every request format")  # pragma: no cover

    async def _consume(
        self, stream: Any, on_text: Callable[[str], None], started: float, fmt: str
    ) -> Result:
        parts: list[str] = []
        size = 0
        finish: str | None = None
        tokens_in = tokens_out = tokens_cached = None
        refusals: list[str] = []
        try:
            async for chunk in stream:
                usage = getattr(chunk, "usage", None)
                if usage is not None:
                    tokens_in = getattr(usage, "prompt_tokens", None)
                    tokens_out = getattr(usage, "completion_tokens", None)
                    details = getattr(usage, "prompt_tokens_details", None)
                    tokens_cached = getattr(details, "cached_tokens", None)
                for choice in chunk.choices or ():
                    refusal = getattr(choice.delta, "refusal", None)
                    if isinstance(refusal, str):
                        refusals.append(refusal)
                    delta = choice.delta.content if choice.delta is not None else None
                    if delta:
                        size += len(delta)
                        if size > MAX_REPLY_CHARS:
                            raise AgentError("the reply exceeded 1,000,000 characters")
                        parts.append(delta)
                        on_text(delta)
                    if choice.finish_reason:
                        finish = choice.finish_reason
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                await close()
        if not parts and refusals:
            from se_lsp.agent.reply import clean_code

            said = _short(clean_code("".join(refusals)))
            raise AgentError(
                f"the model declined to review this code ({said}). "
                "Select other code, or choose another model (seLsp.agent.model)."
            )
        return Result(
            "".join(parts),
            finish,
            tokens_in,
            tokens_out,
            time.perf_counter() - started,
            fmt,
            tokens_cached if isinstance(tokens_cached, int) else None,
        )

    def describe_error(self, ep: Endpoint, err: Exception) -> str:
        """One line for the user that names the endpoint and never leaks the key or the code."""
        import openai

        url = ep.base_url
        if isinstance(err, TimeoutError | openai.APITimeoutError):
            msg = (
                f"The model at {url} did not answer within {ep.timeout:g} s "
                "(seLsp.agent.timeoutSeconds)."
            )
        elif isinstance(err, openai.APIConnectionError):
            cause = err.__cause__ or err.__context__
            msg = (
                f"Cannot reach the model endpoint {url}: {type(cause or err).__name__}. "
                "Is the server running? Check seLsp.agent.baseUrl."
            )
        elif isinstance(err, openai.AuthenticationError | openai.PermissionDeniedError):
            msg = f"{url} refused the API key (from the environment variable {ep.key_source})."
        elif isinstance(err, openai.NotFoundError):
            msg = f"{url} has no model '{ep.model}' (or the base URL is wrong): HTTP 404."
        elif isinstance(err, openai.RateLimitError):
            msg = f"{url} is rate limiting requests (HTTP 429); try again later."
        elif isinstance(err, openai.APIStatusError):
            msg = f"{url} answered HTTP {err.status_code}: {_short(err.message)}{_advice(err)}"
        elif isinstance(err, openai.APIError):
            msg = f"{url} reported an error: {_short(err.message)}. Try again later."
        elif isinstance(err, AgentError):
            msg = f"{url}: {err}"
        else:
            msg = (
                f"{url} sent a malformed response ({type(err).__name__}). Check that "
                "seLsp.agent.baseUrl is an OpenAI-compatible /v1 endpoint."
            )
        return redact(msg).text

    async def aclose(self) -> None:
        for client in self._clients.values():
            try:
                await client.close()
            except Exception:  # closing is best effort at shutdown
                pass
        self._clients.clear()


def _advice(err: Any) -> str:
    """What the user can do about an HTTP status the SDK has no class of its own for."""
    code = int(getattr(err, "status_code", 0) or 0)
    if 300 <= code < 400:
        return ". Redirects are not followed: set seLsp.agent.baseUrl to the final URL."
    if code >= 500:
        return ". The server failed; try again later or look at its log."
    return ". Check seLsp.agent.model and seLsp.agent.baseUrl."


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
