"""The measure flow's gates, in process: nothing leaves without consent, nothing runs unasked.

Real parts throughout: the agent's consent gate (agent/consent.py), its model client, the
diagnostics store, and the scripted model server on 127.0.0.1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from se_lsp.agent.client import ModelClient
from se_lsp.agent.consent import AllowedHosts, AskingGate
from se_lsp.core.findings import Finding, Fix
from se_lsp.core.policy import Policy
from se_lsp.core.positions import Pos, Span
from se_lsp.core.settings import EditorSettings, Settings
from se_lsp.lsp.diagnostics import DiagnosticStore
from se_lsp.lsp.documents import DocumentStore
from se_lsp.lsp.measuring import CANCEL, RUN, Measuring
from tests.fakemodel import FakeModel, Script

TEXT = "int f(int n) {\n    int s = 0;\n    return s;\n}\n"


@dataclass
class Host:
    root: Path
    answers: list[str | None]
    asked: list[tuple[str, list[str]]] = field(default_factory=list)
    told: list[str] = field(default_factory=list)
    documents: DocumentStore = field(default_factory=DocumentStore)
    settings: Settings = field(default_factory=Settings)
    policy: Policy = field(default_factory=Policy)

    def __post_init__(self) -> None:
        self.diagnostics = DiagnosticStore(self.documents, lambda _m, _p: None)

    def notify_user(self, message: str, level: types.MessageType) -> None:
        self.told.append(message)

    def client_supports(self, field: str) -> bool:
        return False  # no progress, no showDocument: the pair goes into the question

    def progress_api(self) -> Any:
        return None

    async def ask_user(self, message: str, choices: list[str]) -> str | None:
        self.asked.append((message, choices))
        return self.answers.pop(0)

    async def show_file(self, path: Path) -> bool:
        return False


@dataclass
class Runner:
    gate: AskingGate
    client: ModelClient


def setup(tmp_path: Path, base_url: str, answers: list[str | None]) -> tuple[Host, Measuring, str]:
    host = Host(tmp_path, answers)
    host.settings = Settings(
        editor=EditorSettings.model_validate(
            {"agent": {"baseUrl": base_url, "model": "fake", "apiKeyEnv": "FAKE_KEY"}}
        )
    )
    path = tmp_path / "a.cpp"
    path.write_text(TEXT)
    uri = path.as_uri()
    host.documents.open(types.TextDocumentItem(uri, "cpp", 1, TEXT))
    finding = Finding(
        Span(Pos(1, 4), Pos(1, 14)),
        "agent/other",
        "Start from one",
        source="systems-engineer",
        fix=Fix(Span(Pos(1, 0), Pos(1, 14)), "    int s = 1;", "start from one"),
        extra={"lines": "    int s = 0;", "agent": "systems-engineer"},
    )
    host.diagnostics.replace(uri, "systems-engineer", [finding], version=1)
    gate = AskingGate(
        ask=host.ask_user, can_ask=lambda: True, store=AllowedHosts(tmp_path / "allowed.json")
    )
    return host, Measuring(host, Runner(gate, ModelClient())), finding.key


async def test_a_new_host_is_asked_first_and_cancel_sends_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KEY", "k")
    host, measuring, key = setup(tmp_path, "http://models.example.test:9/v1", [CANCEL])
    uri = (tmp_path / "a.cpp").as_uri()
    result = await measuring.run({"uri": uri, "key": key})
    (question, choices) = host.asked[0]
    assert "models.example.test" in question and CANCEL in choices
    assert "not sent" in result["error"]  # the gate's words: refused before any connection
    await measuring.runner.client.aclose()


async def test_dismissing_the_run_question_runs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KEY", "k")
    marker = tmp_path / "ran"
    program = (
        f'#include <cstdio>\nint main() {{ std::fopen("{marker}", "w"); std::puts("1 ns/op"); }}\n'
    )
    with FakeModel() as fake:
        fake.push(Script(content=json.dumps({"before": program, "after": program})))
        host, measuring, key = setup(tmp_path, fake.base_url, [None])
        uri = (tmp_path / "a.cpp").as_uri()
        result = await measuring.run({"uri": uri, "key": key})
    assert result["cancelled"] is True and not marker.exists()
    (question, choices) = host.asked[0]  # loopback: no consent question, only the run one
    assert choices == [RUN, CANCEL] and str(marker) in question  # the code is in the question
    await measuring.runner.client.aclose()
