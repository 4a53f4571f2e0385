"""The agent file users already have, dropped into agentsDirs, through the real server.

`/work/shared/agents-in-the-wild/systems-engineer.md` is a Claude Code-style subagent:
front matter with name, description and color, then a long persona that describes an
output format of its own. It is copied into a temporary folder at test time (never into
the project), under its own name and under another one, and must produce findings from
a contract-following reply whether or not the endpoint accepts `response_format`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from se_lsp.agent.prompt import CONTRACT_HEADING
from tests.agent.lspkit import (
    FIRST,
    SECOND,
    SELECTION,
    URI,
    agent_diags,
    as_action,
    optimize,
    start,
)
from tests.agent.lspkit import reply as reply_text
from tests.fakemodel import FakeModel, Script, estimate_tokens

WILD = Path("/work/shared/agents-in-the-wild/systems-engineer.md")
pytestmark = pytest.mark.skipif(
    not WILD.is_file(), reason=f"{WILD} is not on this machine (it is not part of the project)"
)
REPLY = reply_text(FIRST, {**SECOND, "line_start": 5, "line_end": 5})


def _drop_in(folder: Path, name: str | None) -> str:
    text = WILD.read_text(encoding="utf-8")
    if name is not None:
        text = text.replace("name: systems-engineer", f"name: {name}", 1)
    (folder / WILD.name).write_text(text, encoding="utf-8")
    return text.split("---", 2)[2].strip()


@pytest.mark.parametrize("name", [None, "perf-hawk"], ids=["same-name", "other-name"])
@pytest.mark.parametrize("refused", [(), ("json_schema", "json_object")], ids=["rf", "no-rf"])
async def test_the_wild_agent_file_produces_findings(
    client: LanguageClient,
    fake: FakeModel,
    tmp_path: Path,
    name: str | None,
    refused: tuple[str, ...],
) -> None:
    persona = _drop_in(tmp_path, name)
    await start(client, fake, agentsDirs=[str(tmp_path)], cache=False)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(URI), SELECTION, types.CodeActionContext(diagnostics=[])
        )
    )
    offered = {
        a.title: a.command.tooltip or ""
        for a in actions or []
        if isinstance(a, types.CodeAction) and a.command is not None
    }
    agent = name or "systems-engineer"
    tooltip = offered[f"Optimize selection with {agent}"]
    assert str(tmp_path / WILD.name) in tooltip, tooltip
    if name is None:
        assert "replaces the built-in one" in tooltip
    else:
        assert "built in" in offered["Optimize selection with systems-engineer"]
    fake.push(Script(content=REPLY, chunk=40, reject_formats=refused))
    result = await optimize(client, agent=agent)
    assert result["findings"] == 2, result
    assert sorted(d.range.start.line for d in agent_diags(client, agent)) == [2, 4]
    assert [r.response_format for r in fake.rejected] == list(refused)
    for request in [*fake.rejected, *fake.requests]:
        system = request.body["messages"][0]["content"]
        assert system.startswith(persona[:300])
        assert system.index("Agent Coordination Protocol") < system.index(CONTRACT_HEADING)
    user = fake.requests[0].body["messages"][1]["content"]
    assert user.rstrip().endswith("```") and "   7|     v" in user  # the code comes last
    print(
        f"\nwild agent file as '{agent}': system prompt {len(system)} chars, "
        f"~{estimate_tokens(system)} tokens; user message ~{estimate_tokens(user)} tokens"
    )


async def test_a_user_agent_replacing_a_built_in_one_is_logged(
    client: LanguageClient, fake: FakeModel, tmp_path: Path
) -> None:
    _drop_in(tmp_path, None)
    await start(client, fake, agentsDirs=[str(tmp_path)])
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(URI), SELECTION, types.CodeActionContext(diagnostics=[])
        )
    )
    titles = [as_action(a)["title"] for a in actions or []]
    assert titles.count("Optimize selection with systems-engineer") == 1
    assert any(
        "replaces the built-in one" in m.message and str(tmp_path) in m.message
        for m in client.log_messages
    )
