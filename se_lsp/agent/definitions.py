"""Agent definitions: markdown files with YAML front matter; the body is the system prompt.

The shipped agents live next to this module; users add their own from
`seLsp.agent.agentsDirs`. Files written for other agent tools (front matter with
name, description, tools, color, model) load too: keys we do not use are ignored
with a log line, so one file can serve several tools.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)

BUILTIN_DIR = Path(__file__).parent / "definitions"
KNOWN_KEYS = {"name", "description", "temperature", "max_output_tokens", "maxOutputTokens"}
# Keys other agent tools write; understood to be harmless, ignored without fuss.
FOREIGN_KEYS = {"tools", "color", "model"}

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.S)
_ID = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class AgentDef:
    """One agent: its id (for commands), display name, and system prompt."""

    id: str
    name: str
    description: str
    system_prompt: str
    path: str
    temperature: float | None = None
    max_output_tokens: int | None = None
    ignored_keys: tuple[str, ...] = field(default=())


def parse_agent(text: str, path: str = "<memory>") -> AgentDef:
    """Parse one definition; raises ValueError with a short reason when it cannot be used."""
    m = _FRONT.match(text)
    if m is None:
        raise ValueError("no YAML front matter (a block between two '---' lines)")
    try:
        meta: Any = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as err:
        raise ValueError(f"front matter is not valid YAML: {str(err).splitlines()[0]}") from err
    if not isinstance(meta, dict):
        raise ValueError("front matter must be a mapping")
    body = m.group(2).strip()
    if not body:
        raise ValueError("the body (the system prompt) is empty")
    fallback = Path(path).stem
    name = str(meta.get("name") or fallback).strip()
    agent_id = _ID.sub("-", name.lower()).strip("-") or _ID.sub("-", fallback.lower())
    ignored = tuple(sorted(str(k) for k in meta if k not in KNOWN_KEYS))
    unknown = [k for k in ignored if k not in FOREIGN_KEYS]
    if unknown:
        log.info("%s: ignoring unknown front-matter keys: %s", path, ", ".join(unknown))
    temperature = meta.get("temperature")
    max_out = meta.get("max_output_tokens", meta.get("maxOutputTokens"))
    return AgentDef(
        id=agent_id,
        name=name,
        description=str(meta.get("description") or "").strip(),
        system_prompt=body + "\n",
        path=path,
        temperature=float(temperature) if isinstance(temperature, int | float) else None,
        max_output_tokens=int(max_out) if isinstance(max_out, int) and max_out > 0 else None,
        ignored_keys=ignored,
    )


def load_agents(
    dirs: Iterable[str | Path] = (), only: Iterable[str] = ()
) -> tuple[dict[str, AgentDef], list[str]]:
    """All agents: the shipped ones, then the user's directories (later files win by id).

    Returns the agents by id and the problems met (one line each), which never stop loading.
    """
    agents: dict[str, AgentDef] = {}
    problems: list[str] = []
    for directory in [BUILTIN_DIR, *(Path(d).expanduser() for d in dirs)]:
        if not directory.is_dir():
            problems.append(f"{directory}: agents directory not found")
            continue
        for path in sorted(directory.glob("*.md")):
            try:
                agent = parse_agent(path.read_text(encoding="utf-8"), str(path))
            except (OSError, UnicodeDecodeError, ValueError) as err:
                problems.append(f"{path}: not loaded: {err}")
                continue
            agents[agent.id] = agent
    wanted = [w for w in only if w]
    if wanted:
        missing = [w for w in wanted if w not in agents]
        problems.extend(f"agent '{w}' is not defined" for w in missing)
        agents = {k: v for k, v in agents.items() if k in wanted}
    return agents, problems
