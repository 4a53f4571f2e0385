"""`se-lsp check --agent`: the agent over every function of some files, for CI.

Same path as the editor (exclusions, redaction, limits, cache, validation), with
the endpoint from the environment, progress on stderr and at most `maxConcurrent`
requests in flight. A function too large for the limits is skipped with a note.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from se_lsp.agent.cache import Entry, ReplyCache, cache_key
from se_lsp.agent.client import AgentError, ModelClient, endpoint_from
from se_lsp.agent.definitions import load_agents
from se_lsp.agent.prompt import (
    FUNCTION_TYPES,
    PROMPT_VERSION,
    PromptError,
    build_prompt,
    is_excluded,
)
from se_lsp.agent.reply import parse_reply, response_schema, shift_lines, to_finding
from se_lsp.core.languages import language_for, parser
from se_lsp.core.positions import LineIndex, Pos, Span
from se_lsp.core.settings import Settings
from se_lsp.report import record


def function_spans(text: str, language: str) -> list[Span]:
    """Outermost functions and methods of a file (nested closures go with their parent)."""
    types = FUNCTION_TYPES.get(language, ())
    tree = parser(language).parse(text.encode("utf-8"))
    out: list[Span] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type in types:
            out.append(Span(Pos(node.start_point[0], 0), Pos(node.end_point[0], 0)))
            continue
        stack.extend(reversed(node.children))
    return sorted(out, key=lambda s: s.start.line)


async def review_files(
    files: list[Path],
    settings: Settings,
    root: Path | None,
    say: Callable[[str], None],
    agent_id: str = "systems-engineer",
) -> tuple[dict[Path, list[dict[str, Any]]], list[str], list[str]]:
    """Agent findings per file as records like the built-in checker's, problems met, and
    the functions whose review could not run (model error, unusable reply), with why."""
    cfg = settings.editor.agent
    endpoint = endpoint_from(cfg)  # NotConfigured propagates: the CLI prints it
    agents, problems = load_agents(cfg.agents_dirs)
    agent = agents.get(agent_id)
    if agent is None:
        raise AgentError(f"no agent named '{agent_id}'")
    client = ModelClient()
    cache = ReplyCache()
    limits = settings.editor.limits
    semaphore = asyncio.Semaphore(cfg.max_concurrent)
    results: dict[Path, list[dict[str, Any]]] = {}
    failed: list[str] = []
    jobs: list[tuple[Path, str, LineIndex, Any]] = []
    for path in files:
        language = language_for(str(path))
        if language is None:
            continue
        pattern = is_excluded(path, root, settings.exclude)
        if pattern is not None:
            problems.append(f"{path}: excluded by '{pattern}', not sent")
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        index = LineIndex(text)
        results.setdefault(path, [])
        for span in function_spans(text, language):
            try:
                prompt = build_prompt(
                    text,
                    language,
                    span,
                    max_lines=limits.max_selection_lines,
                    max_bytes=limits.max_selection_bytes,
                    index=index,
                )
            except PromptError as err:
                problems.append(f"{path}:{span.start.line + 1}: skipped: {err}")
                continue
            jobs.append((path, text, index, prompt))
    done = 0

    async def one(path: Path, text: str, index: LineIndex, prompt: Any) -> None:
        nonlocal done
        key = cache_key(
            system_prompt=agent.system_prompt,
            model=endpoint.model,
            endpoint=endpoint.base_url,
            prompt_version=PROMPT_VERSION,
            snippet=prompt.cache_text,
        )
        entry = await cache.get(key) if cfg.cache else None
        reply_text = entry.reply if entry is not None else None
        delta = prompt.first_line - entry.first_line if entry is not None else 0
        if entry is not None:
            client.stats.cache_hits += 1
        if reply_text is None:
            async with semaphore:
                try:
                    result = await client.complete(
                        endpoint, agent.system_prompt, prompt.user, response_schema(), _ignore
                    )
                except AgentError as err:
                    failed.append(f"{path}:{prompt.first_line + 1}: {err}")
                    return
            reply_text = result.text
            if cfg.cache:
                await cache.put(key, Entry(reply_text, prompt.first_line))
        try:
            reply = parse_reply(reply_text)
        except ValueError as err:
            failed.append(f"{path}:{prompt.first_line + 1}: {err}")
            return
        for raw in reply.findings:
            checked = to_finding(
                shift_lines(raw, delta), prompt, text, source=agent.name, index=index
            )
            if checked.finding is not None:
                results[path].append(record(path, checked.finding))
        done += 1
        say(f"agent: {done}/{len(jobs)} functions ({path}:{prompt.first_line + 1})")

    try:
        await asyncio.gather(*(one(*job) for job in jobs))
    finally:
        await client.aclose()
        cache.close()
    say(client.stats.describe())
    return results, problems, failed


def _ignore(_: str) -> None:
    return None
