"""THE review pipeline: cache -> consent -> model stream -> validated findings, as events.

The editor (session.py) and `se-lsp check --agent` (batch.py) both run reviews through
`Reviewer.review`, an async iterator of events: progress words, each finding as soon as
it is complete and placed, each dropped finding with its reason, and at the end the
outcome. Failures are the typed errors of errors.py; findings already yielded stay valid
(a cut stream keeps what was complete). Nothing is lost in silence: a reply without the
findings object is an error that names the model, and every dropped finding is counted.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from se_lsp.agent.cache import Entry, ReplyCache, cache_key
from se_lsp.agent.client import (
    Content,
    Endpoint,
    ModelClient,
    Reasoning,
    Result,
    counted,
    endpoint_from,
)
from se_lsp.agent.consent import HostGate
from se_lsp.agent.definitions import AgentDef
from se_lsp.agent.errors import AgentError, Excluded, ReplyUnusable, short
from se_lsp.agent.prompt import PROMPT_VERSION, Prompt, build_prompt, system_prompt
from se_lsp.agent.reply import (
    ParsedReply,
    ReplyShapeError,
    StreamParser,
    parse_reply,
    read_finding,
    response_schema,
    shift_lines,
    strip_reasoning,
)
from se_lsp.agent.validate import LIMITS, Checked, Checker, clean_code, clean_text, parses
from se_lsp.core.findings import Finding
from se_lsp.core.positions import LineIndex, Span
from se_lsp.core.settings import Settings


@dataclass(frozen=True)
class Request:
    """One review: the agent, where it goes, and the text the prompt was built from."""

    agent: AgentDef
    endpoint: Endpoint
    prompt: Prompt
    text: str
    index: LineIndex
    force: bool = False
    use_cache: bool = True


def prepare(
    text: str,
    language: str,
    span: Span,
    *,
    agent: AgentDef,
    settings: Settings,
    path: Path | None,
    never_sent: Callable[[Path | None], str | None],
    hints: Sequence[Finding] = (),
    index: LineIndex | None = None,
    force: bool = False,
) -> Request:
    """Everything before the request: exclusion, endpoint, prompt (CPU work: off the loop).

    `never_sent` is the policy's exclusion check. Raises Excluded, NotConfigured or
    PromptRefused.
    """
    pattern = never_sent(path)
    if pattern is not None:
        raise Excluded(f"this file is excluded by '{pattern}' and is never sent to a model")
    endpoint = endpoint_from(settings.editor.agent)
    index = index or LineIndex(text)
    limits = settings.editor.limits
    prompt = build_prompt(
        text,
        language,
        span,
        hints=hints,
        max_lines=limits.max_selection_lines,
        max_bytes=limits.max_selection_bytes,
        index=index,
    )
    return Request(
        agent, endpoint, prompt, text, index, force=force, use_cache=settings.editor.agent.cache
    )


@dataclass
class Outcome:
    """What a review produced so far; the caller owns it, so it survives an error."""

    model: str = ""
    findings: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    summary: str = ""
    cached: bool = False

    def describe(self) -> str:
        """ "3 findings, 1 dropped (anchor not in the selection)", "(cached)" on a hit."""
        return counted(self.findings, self.dropped) + (" (cached)" if self.cached else "")

    def as_result(self) -> dict[str, Any]:
        """The command's result (plus "error" when the run failed)."""
        return {
            "findings": self.findings,
            "dropped": sum(self.dropped.values()),
            "droppedReasons": dict(self.dropped),
            "cached": self.cached,
            "message": self.describe(),
        }


@dataclass
class Status:
    """Progress in words: waiting, thinking…, writing."""

    message: str


@dataclass
class Found:
    finding: Finding
    repaired: bool = False


@dataclass
class Dropped:
    reason: str


@dataclass
class Done:
    outcome: Outcome


Event = Status | Found | Dropped | Done

THINKING = "thinking…"
WAITING = "waiting for the model"
WRITING = "reading the reply"


class Reviewer:
    """Long-lived parts of the pipeline: the client, the cache, the consent gate, the limit."""

    def __init__(
        self,
        gate: HostGate,
        *,
        client: ModelClient | None = None,
        cache: ReplyCache | None = None,
        max_concurrent: int = 2,
    ) -> None:
        self.gate = gate
        self.client = client or ModelClient()
        self.stats = self.client.stats
        self.cache = cache or ReplyCache()
        self._semaphore = asyncio.Semaphore(max_concurrent)
        self._size = max_concurrent
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="se-lsp-review")

    def limit(self, max_concurrent: int) -> None:
        """At most this many requests in flight (a new limit applies to new requests)."""
        if max_concurrent != self._size:
            self._semaphore = asyncio.Semaphore(max_concurrent)
            self._size = max_concurrent

    async def review(self, req: Request, outcome: Outcome | None = None) -> AsyncIterator[Event]:
        """Run one review; `outcome` (if given) is filled in as events are produced."""
        outcome = outcome if outcome is not None else Outcome()
        outcome.model = req.endpoint.model
        try:
            async for event in self._review(req, outcome):
                if isinstance(event, Found):
                    outcome.findings += 1
                    self.stats.findings += 1
                elif isinstance(event, Dropped):
                    outcome.dropped[event.reason] += 1
                    self.stats.dropped[event.reason] += 1
                yield event
            self.stats.last = outcome.describe()
        except AgentError as err:
            self.stats.last = f"{outcome.describe()}, then: {short(err.message, 120)}"
            raise

    async def _review(self, req: Request, outcome: Outcome) -> AsyncIterator[Event]:
        loop = asyncio.get_running_loop()
        prompt, agent, ep = req.prompt, req.agent, req.endpoint
        system = system_prompt(agent)
        key = cache_key(
            system_prompt=system,
            model=ep.model,
            endpoint=ep.base_url,
            prompt_version=PROMPT_VERSION,
            snippet=prompt.cache_text,
        )
        original_parses = await loop.run_in_executor(self._pool, parses, prompt.language, req.text)
        checker = Checker(
            prompt, req.text, source=agent.name, index=req.index, original_parses=original_parses
        )
        looked: set[str] = set()

        def look(items: Iterable[Any], delta: int = 0) -> list[Event]:
            out: list[Event] = []
            for item in items:
                seen = json.dumps(item, sort_keys=True, default=str)
                if seen in looked:
                    continue  # already read while streaming
                looked.add(seen)
                raw = read_finding(item)
                if isinstance(raw, str):
                    out.append(Dropped(raw))
                    continue
                checked = checker.check(shift_lines(raw, delta))
                if checked is not None:
                    out.append(_event(checked))
            return out

        async def read(items: Iterable[Any], delta: int = 0) -> list[Event]:
            # Validation parses replacements with tree-sitter: CPU work, off the loop.
            return await loop.run_in_executor(self._pool, look, list(items), delta)

        async def waited() -> list[Event]:
            """The findings that waited for the numbering offset, placed now."""
            done = await loop.run_in_executor(self._pool, checker.finish)
            return [_event(c) for c in done]

        async def parsed_off_loop(text: str) -> ParsedReply:
            # A hostile megabyte takes a while to refuse: never on the event loop.
            return await loop.run_in_executor(self._pool, parse_reply, text)

        entry = await self.cache.get(key) if req.use_cache and not req.force else None
        if entry is not None:
            try:
                cached: ParsedReply | None = await parsed_off_loop(entry.reply)
            except ReplyShapeError:
                cached = None
            if cached is not None:
                self.stats.cache_hits += 1
                outcome.cached = True
                for event in await read(cached.items, prompt.first_line - entry.first_line):
                    yield event
                for event in await waited():
                    yield event
                outcome.summary = clean_text(cached.summary or "", LIMITS["summary"])
                yield Done(outcome)
                return

        await self.gate.check(ep)  # before any connection to the endpoint
        yield Status(WAITING)
        parser = StreamParser()
        result: Result | None = None
        shown = WAITING
        async with self._semaphore:
            try:
                async for piece in self.client.stream(
                    ep, system, prompt.user, response_schema(), temperature=agent.temperature
                ):
                    if isinstance(piece, Reasoning):
                        if shown != THINKING:
                            shown = THINKING
                            yield Status(THINKING)
                    elif isinstance(piece, Content):
                        items = parser.feed(piece.text)
                        now = THINKING if parser.thinking else WRITING
                        if now != shown and (now == THINKING or piece.text.strip()):
                            shown = now
                            yield Status(now)
                        if items:
                            for event in await read(items):
                                yield event
                    else:
                        result = piece
            except AgentError:
                for event in await waited():  # complete findings that waited are kept
                    yield event
                raise
        assert result is not None
        try:
            parsed = await parsed_off_loop(result.text)
        except ReplyShapeError as err:
            raise _unusable(ep, str(err), result.text) from None
        for event in await read(parsed.items):
            yield event
        for event in await waited():
            yield event
        outcome.summary = clean_text(parsed.summary or "", LIMITS["summary"])
        if req.use_cache:
            await self.cache.put(key, Entry(result.text, prompt.first_line))
        yield Done(outcome)

    async def aclose(self) -> None:
        await self.client.aclose()
        self.cache.close()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _event(checked: Checked) -> Event:
    if checked.finding is None:
        return Dropped(checked.reason)
    return Found(checked.finding, checked.repaired)


def _unusable(ep: Endpoint, why: str, text: str) -> ReplyUnusable:
    """The message for a reply with nothing to place: it names the model and quotes it."""
    begins = short(clean_code(strip_reasoning(text)).strip(), 80)
    quoted = f' It began: "{begins}".' if begins else ""
    return ReplyUnusable(
        f"The model '{ep.model}' at {ep.base_url} did not answer in the reply format se-lsp "
        f"asked for ({why}), so nothing was placed.{quoted} Try again, or choose a model that "
        "follows instructions or supports JSON output (seLsp.agent.model)."
    )
