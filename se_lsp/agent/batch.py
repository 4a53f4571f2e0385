"""`se-lsp check --agent`: the agent over every function of some files, for CI.

The same pipeline as the editor (review.py: exclusions, redaction, limits, cache,
validation, the drop reasons), with the endpoint from the environment, progress on
stderr and at most `maxConcurrent` requests in flight. There is no one to ask, so a
host that is not this machine must be named by the user (--allow-host or
SE_LSP_ALLOW_HOSTS) before anything is read or sent. A function too large for the
limits is skipped with a note.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from se_lsp.agent.client import counted, endpoint_from
from se_lsp.agent.consent import ENV_ALLOW, ListGate, hosts_from
from se_lsp.agent.definitions import load_agents
from se_lsp.agent.errors import AgentError, PromptRefused, UnknownAgent
from se_lsp.agent.prompt import FUNCTION_TYPES
from se_lsp.agent.review import Found, Outcome, Request, Reviewer, prepare
from se_lsp.core.languages import language_for, parser
from se_lsp.core.policy import Policy
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
    allow_hosts: Iterable[str] = (),
) -> tuple[dict[Path, list[dict[str, Any]]], list[str], list[str]]:
    """Agent findings per file as records like the built-in checker's, problems met, and
    the functions whose review could not run (model error, unusable reply), with why.

    Raises an AgentError (NotConfigured, UnknownAgent, HostNotAllowed) when nothing can
    be reviewed at all.
    """
    cfg = settings.editor.agent
    endpoint = endpoint_from(cfg)
    gate = ListGate({*allow_hosts, *hosts_from(os.environ.get(ENV_ALLOW))})
    await gate.check(endpoint)  # before any file is read into a prompt
    agents, problems = load_agents(cfg.agents_dirs, root=root)
    policy = Policy.build(settings, root)
    problems += policy.problems
    agent = agents.get(agent_id)
    if agent is None:
        raise UnknownAgent(f"no agent named '{agent_id}'")
    results: dict[Path, list[dict[str, Any]]] = {}
    failed: list[str] = []
    jobs: list[tuple[Path, Request]] = []
    for path in files:
        language = language_for(str(path))
        if language is None:
            continue
        pattern = policy.never_sent(path)
        if pattern is not None:
            problems.append(f"{path}: excluded by '{pattern}', not sent")
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        index = LineIndex(text)
        results.setdefault(path, [])
        for span in function_spans(text, language):
            try:
                req = prepare(
                    text,
                    language,
                    span,
                    agent=agent,
                    settings=settings,
                    path=path,
                    never_sent=policy.never_sent,
                    index=index,
                )
            except PromptRefused as err:
                problems.append(f"{path}:{span.start.line + 1}: skipped: {err}")
                continue
            jobs.append((path, req))
    reviewer = Reviewer(gate, max_concurrent=cfg.max_concurrent)
    found = 0
    dropped: Counter[str] = Counter()
    done = 0

    async def one(path: Path, req: Request) -> None:
        nonlocal done, found
        outcome = Outcome()
        where = f"{path}:{req.prompt.first_line + 1}"
        try:
            async for event in reviewer.review(req, outcome):
                if isinstance(event, Found):
                    results[path].append(record(path, event.finding))
        except AgentError as err:
            failed.append(f"{where}: {err}")
        found += outcome.findings
        dropped.update(outcome.dropped)
        done += 1
        say(f"agent: {done}/{len(jobs)} functions ({where}): {outcome.describe()}")

    try:
        await asyncio.gather(*(one(*job) for job in jobs))
    finally:
        await reviewer.aclose()
    say(f"agent: {counted(found, dropped)}")
    say(reviewer.stats.describe())
    return results, problems, failed
