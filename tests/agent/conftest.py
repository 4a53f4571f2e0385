"""Fixtures of the agent tests: the loopback model and a real server over stdio."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.agent.lspkit import ENV, read_code_actions_like_editors
from tests.fakemodel import FakeModel


@pytest.fixture
def fake() -> Iterator[FakeModel]:
    with FakeModel() as f:
        yield f


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "se_lsp"], server_env=ENV),
)
async def client(lsp_client: LanguageClient):
    applied: list[types.ApplyWorkspaceEditParams] = []

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def _apply(params: types.ApplyWorkspaceEditParams):
        applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    read_code_actions_like_editors(lsp_client)
    yield
    await lsp_client.shutdown_session()
