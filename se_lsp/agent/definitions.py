"""Agent definitions: any markdown file is a persona; YAML front matter is optional.

The shipped agents live next to this module; users add their own from
`seLsp.agent.agentsDirs`. Files written for other agent tools (Claude Code-style
subagents: front matter with name, description, tools, color, model, then a long
persona) load as they are: keys we do not use are ignored and listed in a debug
log, a file without front matter takes its file name, and front matter that is not
strict YAML (unquoted colons in a description are common) is read line by line.
The body is only the persona: the server adds its own reply contract after it
(see prompt.system_prompt), so a persona needs no word about our format.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

BUILTIN_DIR = Path(__file__).parent / "definitions"
KNOWN_KEYS = {"name", "description", "temperature", "max_output_tokens", "maxOutputTokens"}

_ID = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class AgentDef:
    """One agent: its id (for commands), display name, persona and where it came from."""

    id: str
    name: str
    description: str
    persona: str
    path: str
    builtin: bool = False
    temperature: float | None = None
    max_output_tokens: int | None = None
    ignored_keys: tuple[str, ...] = field(default=())
    # The built-in definition this user file replaces (same id), if any.
    replaces: str | None = None


def _split_front_matter(text: str) -> tuple[str | None, str]:
    """(front matter, body); front matter is None when the file has none."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text
    for n in range(1, len(lines)):
        if lines[n].strip() in ("---", "..."):
            return "".join(lines[1:n]), "".join(lines[n + 1 :])
    return None, text  # an opening '---' that never closes is body text


def _read_meta(front: str) -> dict[str, Any]:
    """The front matter as a mapping: YAML if it parses, else simple `key: value` lines."""
    import yaml

    try:
        meta = yaml.safe_load(front)
    except yaml.YAMLError as err:
        log.debug("front matter is not strict YAML (%s); reading it line by line", err)
        meta = None
    if isinstance(meta, dict):
        return meta
    out: dict[str, Any] = {}
    key = None
    for line in front.splitlines():
        if line[:1].isspace() and key is not None:
            out[key] = f"{out[key]} {line.strip()}".strip()
            continue
        name, sep, value = line.partition(":")
        if sep and name.strip() and " " not in name.strip():
            key = name.strip()
            out[key] = value.strip().strip("\"'")
    return out


def parse_agent(text: str, path: str = "<memory>", *, builtin: bool = False) -> AgentDef:
    """Parse one definition; raises ValueError with a short reason when it cannot be used."""
    front, body = _split_front_matter(text)
    meta = _read_meta(front) if front is not None else {}
    body = body.strip()
    if not body:
        raise ValueError("the body (the persona) is empty")
    fallback = Path(path).stem
    name = " ".join(str(meta.get("name") or fallback).split())
    agent_id = _ID.sub("-", name.lower()).strip("-") or _ID.sub("-", fallback.lower())
    ignored = tuple(sorted(str(k) for k in meta if k not in KNOWN_KEYS))
    if ignored:
        log.debug("%s: front-matter keys not used by se-lsp: %s", path, ", ".join(ignored))
    temperature = meta.get("temperature")
    max_out = meta.get("max_output_tokens", meta.get("maxOutputTokens"))
    description = " ".join(str(meta.get("description") or "").split())
    return AgentDef(
        id=agent_id,
        name=name,
        description=description,
        persona=body + "\n",
        path=path,
        builtin=builtin,
        temperature=float(temperature) if isinstance(temperature, int | float) else None,
        max_output_tokens=int(max_out) if isinstance(max_out, int) and max_out > 0 else None,
        ignored_keys=ignored,
    )


def load_agents(
    dirs: Iterable[str | Path] = (), only: Iterable[str] = (), root: Path | None = None
) -> tuple[dict[str, AgentDef], list[str]]:
    """All agents: the shipped ones, then the user's directories (later files win by id).

    A relative directory is taken from the workspace root. Returns the agents by id and
    the problems met (one line each), which never stop loading.
    """
    agents: dict[str, AgentDef] = {}
    problems: list[str] = []
    sources: list[tuple[Path, bool]] = [(BUILTIN_DIR, True)]
    for d in dirs:
        path = Path(d).expanduser()
        if not path.is_absolute() and root is not None:
            path = root / path
        sources.append((path, False))
    for directory, builtin in sources:
        if not directory.is_dir():
            problems.append(f"{directory}: agents directory not found")
            continue
        for path in sorted(directory.glob("*.md")):
            if path.name.lower() == "readme.md":
                continue
            try:
                agent = parse_agent(path.read_text(encoding="utf-8"), str(path), builtin=builtin)
            except (OSError, UnicodeDecodeError, ValueError) as err:
                problems.append(f"{path}: not loaded: {err}")
                continue
            before = agents.get(agent.id)
            if before is not None:
                replaced = before.replaces or (before.path if before.builtin else None)
                log.info("agent '%s' from %s replaces %s", agent.id, path, before.path)
                agent = replace(agent, replaces=replaced)
            agents[agent.id] = agent
    wanted = [w for w in only if w]
    if wanted:
        missing = [w for w in wanted if w not in agents]
        problems.extend(f"agent '{w}' is not defined" for w in missing)
        agents = {k: v for k, v in agents.items() if k in wanted}
    return agents, problems


def origin(agent: AgentDef) -> str:
    """Where an agent comes from, for tooltips and `se-lsp agents`."""
    if agent.builtin:
        return f"built in ({agent.path})"
    if agent.replaces:
        return f"{agent.path} (replaces the built-in one)"
    return agent.path
