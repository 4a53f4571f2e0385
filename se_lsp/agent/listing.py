"""`se-lsp agents`: which agents exist, where each comes from, and what its prompt costs.

The token figure is an estimate (4 characters per token, the usual rule of thumb for
English and code; tiktoken is not a dependency) of the system prompt actually sent:
the persona plus the reply contract. It is paid on every request, so a long persona
file is worth knowing about; providers' prompt caches reduce its cost, not its size.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from se_lsp.agent.definitions import load_agents, origin
from se_lsp.agent.prompt import system_prompt


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def agent_rows(dirs: Iterable[str | Path] = (), root: Path | None = None) -> dict[str, Any]:
    """The agents and the problems met loading them, as plain data."""
    agents, problems = load_agents(dirs, root=root)
    rows = [
        {
            "id": a.id,
            "name": a.name,
            "description": a.description,
            "source": origin(a),
            "path": a.path,
            "builtin": a.builtin,
            "promptTokens": estimate_tokens(system_prompt(a)),
            "ignoredKeys": list(a.ignored_keys),
        }
        for a in agents.values()
    ]
    return {"agents": rows, "problems": problems}


def agents_text(data: dict[str, Any]) -> str:
    lines = []
    for row in data["agents"]:
        desc = row["description"]
        if len(desc) > 100:
            desc = desc[:99] + "…"
        lines.append(f"{row['name']}  (id {row['id']}, ~{row['promptTokens']} prompt tokens)")
        if desc:
            lines.append(f"    {desc}")
        lines.append(f"    {row['source']}")
    return "\n".join(lines) + "\n"
