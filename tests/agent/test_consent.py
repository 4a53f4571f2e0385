"""Where code goes is the user's choice: a new host is asked about before any connection.

The server runs as a real process over stdio. Its endpoint is a host name that is not this
machine as far as the server can tell (`models.se-lsp.test`, a reserved name); a
sitecustomize on the subprocess's PYTHONPATH maps that one name to 127.0.0.1, so the
loopback fake model answers and no other address is ever reached. The server's code is
the production code, unchanged.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.agent.lspkit import (
    ENV,
    FIRST,
    SECOND,
    URI,
    agent_diags,
    optimize,
    read_code_actions_like_editors,
    reply,
    start,
)
from tests.fakemodel import FakeModel, Script

TEST_HOST = "models.se-lsp.test"
STATE = Path(tempfile.mkdtemp(prefix="se-lsp-state-"))  # the user's XDG_STATE_HOME here
ALLOWED = STATE / "se-lsp" / "allowed-hosts.json"
HOSTMAP = Path(__file__).parent / "hostmap"
SERVER_ENV = ENV | {
    "SE_LSP_TEST_HOST": TEST_HOST,
    "XDG_STATE_HOME": str(STATE),
    "PYTHONPATH": os.pathsep.join([str(HOSTMAP), *sys.path]),
}
REPLY = reply(FIRST, {**SECOND, "line_start": 5, "line_end": 5})

# What the test's user answers, and the questions the server asked.
ANSWERS: list[str | None] = []
ASKED: list[dict[str, Any]] = []


@pytest.fixture
def fake() -> Any:
    ALLOWED.unlink(missing_ok=True)
    ANSWERS.clear()
    ASKED.clear()
    with FakeModel() as f:
        yield f


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "se_lsp"], server_env=SERVER_ENV
    ),
)
async def client(lsp_client: LanguageClient, fake: FakeModel):
    @lsp_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def _ask(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
        ASKED.append(
            {
                "message": params.message,
                "actions": [a.title for a in params.actions or []],
                "connections_before_answer": fake.connections,
            }
        )
        answer = ANSWERS.pop(0) if ANSWERS else None
        return types.MessageActionItem(title=answer) if answer else None

    read_code_actions_like_editors(lsp_client)
    yield
    await lsp_client.shutdown_session()


def remote(fake: FakeModel) -> str:
    return f"http://{TEST_HOST}:{fake.port}/v1"


async def test_a_new_host_is_asked_about_before_any_connection(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake, base_url=remote(fake), cache=False)
    ANSWERS.append("Allow")
    fake.push(Script(content=REPLY), Script(content=REPLY))
    first = await optimize(client)
    assert first["findings"] == 2, first
    assert len(ASKED) == 1
    question = ASKED[0]
    assert TEST_HOST in question["message"] and "fake" in question["message"]
    assert question["actions"] == ["Allow", "Always for this host", "Cancel"]
    assert question["connections_before_answer"] == 0, "nothing was sent before the answer"
    # "Allow" holds for this session: the next review does not ask again.
    again = await optimize(client)
    assert again["findings"] == 2 and len(ASKED) == 1 and len(fake.requests) == 2
    assert not ALLOWED.exists(), "'Allow' is not remembered beyond the session"


async def test_cancel_sends_nothing_and_says_so(client: LanguageClient, fake: FakeModel) -> None:
    await start(client, fake, base_url=remote(fake), cache=False)
    ANSWERS.append("Cancel")
    fake.push(Script(content=REPLY))
    result = await optimize(client)
    assert "error" in result and TEST_HOST in result["error"]
    assert fake.connections == 0 and fake.requests == []
    assert agent_diags(client) == []
    warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    assert any(f"You did not allow {TEST_HOST}" in m for m in warnings), warnings


async def test_always_is_remembered_in_the_users_state_directory(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake, base_url=remote(fake), cache=False)
    ANSWERS.append("Always for this host")
    fake.push(Script(content=REPLY))
    assert (await optimize(client))["findings"] == 2
    assert json.loads(ALLOWED.read_text(encoding="utf-8")) == {"hosts": [TEST_HOST]}


async def test_a_remembered_host_is_not_asked_about(
    client: LanguageClient, fake: FakeModel
) -> None:
    ALLOWED.parent.mkdir(parents=True, exist_ok=True)
    ALLOWED.write_text(json.dumps({"hosts": [TEST_HOST]}), encoding="utf-8")
    await start(client, fake, base_url=remote(fake), cache=False)
    fake.push(Script(content=REPLY))
    assert (await optimize(client))["findings"] == 2
    assert ASKED == []


async def test_two_reviews_at_once_ask_once(client: LanguageClient, fake: FakeModel) -> None:
    await start(client, fake, base_url=remote(fake), cache=False)
    ANSWERS.append("Allow")
    fake.push(Script(content=REPLY), Script(content=REPLY))
    upper = {"start": {"line": 1, "character": 0}, "end": {"line": 3, "character": 0}}
    lower = {"start": {"line": 4, "character": 0}, "end": {"line": 7, "character": 0}}
    runs = [
        client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="se-lsp.optimize", arguments=[{"uri": URI, "range": r}]
            )
        )
        for r in (upper, lower)
    ]
    await asyncio.wait_for(asyncio.gather(*runs), 30)
    assert len(ASKED) == 1 and len(fake.requests) == 2


async def test_a_client_that_cannot_ask_gets_a_message_and_nothing_is_sent(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake, base_url=remote(fake), cache=False, ask=False)
    fake.push(Script(content=REPLY))
    result = await optimize(client)
    assert "error" in result
    assert ASKED == [], "no window/showMessageRequest to a client that does not support it"
    assert fake.connections == 0
    message = next(m.message for m in client.messages if TEST_HOST in m.message)
    assert "SE_LSP_ALLOW_HOSTS" in message and "cannot ask" in message


async def test_later_configuration_cannot_redirect_the_endpoint(
    client: LanguageClient, fake: FakeModel
) -> None:
    """Over plain LSP: configuration that arrives after start-up (which editors answer per
    workspace: .dir-locals.el, project settings) cannot change where code goes; the user is
    told, and the endpoint the server started with stays."""
    hostile = {
        "baseUrl": remote(fake),
        "model": "fake",
        "apiKeyEnv": "SOME_OTHER_KEY",
        "localOnly": False,
        "agentsDirs": ["/tmp"],
    }
    client.set_configuration({"agent": hostile}, section="seLsp")
    await start(client, fake, cache=False)  # the user's loopback endpoint, at start-up
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    fake.push(Script(content=REPLY))
    result = await optimize(client)
    assert result["findings"] == 2 and ASKED == []  # still the loopback endpoint: no question
    told = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    for key in ("baseUrl", "apiKeyEnv", "agentsDirs"):
        assert sum(f"seLsp.agent.{key}" in m for m in told) == 1, (key, told)  # told once
    assert fake.requests[0].headers["authorization"] == "Bearer test-key"


async def test_a_project_file_cannot_choose_where_code_goes(
    client: LanguageClient, fake: FakeModel, tmp_path: Path
) -> None:
    (tmp_path / ".se-lsp.yaml").write_text(
        f"baseUrl: {remote(fake)}\napiKeyEnv: OTHER\nlocalOnly: false\n"
        "agentsDirs: [agents]\nserver: {path: /bin/sh}\n",
        encoding="utf-8",
    )
    await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=tmp_path.as_uri(),
            initialization_options={
                "seLsp": {"agent": {"baseUrl": fake.base_url, "model": "fake"}}
            },
        )
    )
    await asyncio.sleep(0.5)
    told = [m.message for m in client.messages]
    for key in ("baseUrl", "apiKeyEnv", "localOnly", "agentsDirs", "server"):
        assert any(f"'{key}' is ignored" in m and ".se-lsp.yaml" in m for m in told), (key, told)
