"""Fault matrix: every way a model endpoint can fail, through the real runner and client.

Each case scripts the loopback fake server (or a closed port), runs one agent analysis
through `AgentRunner` with a real `ModelClient`, and checks that it ends in exactly one
outcome: one message naming the endpoint, progress begun and ended once, a bounded
number of HTTP requests, nothing unvalidated published, and a healthy run afterwards on
the same runner. A few cases also go through a real server process (pytest-lsp), where a
hover must still answer afterwards. Outcomes are written to tests/.reliability.json.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from se_lsp.agent.session import AgentRunner
from se_lsp.core.findings import BUILTIN_SOURCE, Finding
from se_lsp.core.policy import Policy
from se_lsp.core.settings import EditorSettings, Settings
from se_lsp.lsp.diagnostics import DiagnosticStore
from se_lsp.lsp.documents import DocumentStore
from tests.fakemodel import FakeModel, Script
from tests.reliability_report import record

URI = "file:///work/demo/src/lib.rs"
RUST = (
    "// 😀 héllo\n"
    "fn total(xs: &[u64]) -> Vec<u64> {\n"
    "    let mut v = Vec::new(); // grows 😀\n"
    "    for x in xs {\n"
    "        v.push(*x);\n"
    "    }\n"
    "    v\n"
    "}\n"
)
GOOD_FINDING = {
    "line_start": 3,
    "line_end": 3,
    "anchor": "let mut v = Vec::new(); // grows 😀",
    "severity": "warning",
    "category": "allocation",
    "title": "Reserve capacity",
    "explanation": "Each growth reallocates.",
    "replacement": None,
    "impact": "fewer allocations",
    "measure": "cargo bench",
    "confidence": 0.8,
}
GOOD = json.dumps({"summary": "ok", "findings": [GOOD_FINDING]}, ensure_ascii=False)
EMPTY = json.dumps({"summary": "", "findings": []})
TIMEOUT = 1.5  # seconds: the overall deadline the cases run under


def _event(obj: dict[str, Any]) -> str:
    return f"data: {json.dumps(obj)}\n\n"


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _err(status: int, message: str, **kw: Any) -> Script:
    return Script(status=status, error={"error": {"message": message, "type": "x"}}, **kw)


NESTED = '{"summary": "", "findings": [' + "[" * 50_000 + "]" * 50_000 + "]}"
NESTED_FIELD = json.dumps({"summary": "", "findings": [{**GOOD_FINDING, "title": None}]}).replace(
    "null", "[" * 20_000 + "]" * 20_000
)


@dataclass
class Case:
    """One fault: the scripts the fake plays, and the outcome expected."""

    name: str
    scripts: list[Script] = field(default_factory=list)
    outcome: str = "error"  # "error" (one message) or "empty" (a clean run, nothing found)
    says: tuple[str, ...] = ()  # words the message must contain
    max_requests: int = 2  # bounded retries
    refused: bool = False  # no server at all


CASES = [
    Case(
        "http-400",
        [_err(400, "bad request: unknown field")],
        says=("HTTP 400", "seLsp.agent.model"),
        max_requests=1,
    ),
    Case("http-401", [_err(401, "invalid key")], says=("API key",), max_requests=1),
    Case("http-403", [_err(403, "forbidden")], says=("API key",), max_requests=1),
    Case("http-404", [_err(404, "no such model")], says=("404", "model"), max_requests=1),
    Case(
        "http-422",
        [_err(422, "unprocessable: messages")],
        says=("HTTP 422", "seLsp.agent.model"),
        max_requests=1,
    ),
    Case(
        "http-429-retry-after",
        [_err(429, "slow down", headers={"retry-after-ms": "20"})] * 2,
        says=("429",),
    ),
    Case(
        "http-429-retry-after-beyond-deadline",
        [_err(429, "slow down", headers={"retry-after": "3600"})] * 2,
        says=("429",),
    ),
    Case("http-500", [_err(500, "internal")] * 2, says=("HTTP 500", "try again")),
    Case("http-503", [_err(503, "overloaded")] * 2, says=("HTTP 503", "try again")),
    Case(
        "http-502-html-body",
        [Script(status=502, body_raw="<html><body><h1>502 Bad Gateway</h1></body></html>")] * 2,
        says=("HTTP 502", "try again"),
    ),
    Case(
        "http-200-html-body",
        [Script(status=599, body_raw="<html>proxy login</html>")] * 2,
        says=("599", "try again"),
    ),
    Case(
        "redirect-307",
        # To a closed local port: if it were followed, nothing off this machine is reached.
        [Script(redirect_to="http://127.0.0.1:9/v1/chat/completions")],
        says=("Redirects are not followed",),
    ),
    Case("connection-refused", refused=True, says=("Cannot reach", "baseUrl")),
    Case("read-timeout", [Script(stall=30)] * 2, says=("did not answer",)),
    Case(
        "dripping-stream",
        [Script(content=GOOD + " " * 400, chunk=1, delay=0.02)],
        says=("did not answer",),
        max_requests=1,
    ),
    Case("mid-stream-disconnect", [Script(content=EMPTY, chunk=4, cut_after=3)], max_requests=1),
    Case(
        "hang-mid-stream",
        [Script(content=EMPTY, chunk=4, hang_after=2)],
        says=("did not answer",),
        max_requests=1,
    ),
    Case(
        "no-finish-reason",
        [Script(content=EMPTY, finish_reason=None)],
        says=("finish_reason",),
        max_requests=1,
    ),
    Case(
        "no-finish-no-done",
        [Script(content=EMPTY, finish_reason=None, done=False)],
        says=("finish_reason",),
        max_requests=1,
    ),
    Case(
        "finish-length",
        [Script(content=EMPTY[:20], finish_reason="length")],
        says=("maxOutputTokens",),
        max_requests=1,
    ),
    Case(
        "malformed-sse",
        [Script(raw="data: {not json at all\n\n")],
        says=("OpenAI-compatible",),
        max_requests=1,
    ),
    Case(
        "sse-error-event",
        [Script(raw=_event({"error": {"message": "model overloaded", "type": "x"}}))],
        says=("overloaded", "Try again"),
        max_requests=1,
    ),
    Case(
        "empty-choices",
        [Script(raw=_event({"id": "c", "object": "x", "created": 0, "choices": []}) * 3)],
        says=("finish_reason",),
        max_requests=1,
    ),
    Case(
        "wrong-shape-chunks",
        [Script(raw=_event({"choices": "nope"}) + _event({"choices": [{"delta": 5}]}))],
        says=("OpenAI-compatible",),
        max_requests=1,
    ),
    Case(
        "refusal",
        [
            Script(
                raw=_event(_chunk({"refusal": "I cannot help with that."}))
                + _event(_chunk({}, "stop"))
                + "data: [DONE]\n\n"
            )
        ],
        says=("declined", "I cannot help with that."),
        max_requests=1,
    ),
    Case(
        "prose-not-json",
        [Script(content="Sorry, I am only a language model.")],
        says=("reply format",),
        max_requests=1,
    ),
    Case("json-array-reply", [Script(content="[1, 2, 3]")], says=("reply format",), max_requests=1),
    Case(
        "deeply-nested-json",
        [Script(content=NESTED, chunk=5000)],
        says=("reply format",),
        max_requests=1,
    ),
    Case(
        "deeply-nested-field",
        [Script(content=NESTED_FIELD, chunk=5000)],
        says=("not valid JSON", "reply format"),
        max_requests=1,
    ),
    Case(
        "wrong-shape-reply",
        [Script(content='{"summary": 5, "findings": {"line_start": "x"}}')],
        outcome="empty",
        max_requests=1,
    ),
    Case(
        "wrong-values-reply",
        [
            Script(
                content=json.dumps(
                    {
                        "summary": "",
                        "findings": [
                            {**GOOD_FINDING, "line_start": -5, "anchor": ""},
                            {**GOOD_FINDING, "line_start": 10**30, "anchor": ""},
                            {**GOOD_FINDING, "line_start": "three"},
                            {**GOOD_FINDING, "title": ""},
                        ],
                    }
                )
            )
        ],
        outcome="empty",
        max_requests=1,
    ),
    Case(
        "oversized-reply",
        [Script(content='{"summary": "' + "x" * 1_100_000 + '", "findings": []}', chunk=100_000)],
        says=("1,000,000",),
        max_requests=1,
    ),
]


class FakeProgress:
    """The work-done progress API as the runner uses it, recording every call."""

    def __init__(self) -> None:
        self.tokens: dict[Any, Any] = {}
        self.calls: list[tuple[str, Any]] = []

    async def create_async(self, token: Any) -> None:
        self.calls.append(("create", token))

    def begin(self, token: Any, value: Any) -> None:
        self.calls.append(("begin", token))

    def report(self, token: Any, value: Any) -> None:
        self.calls.append(("report", token))

    def end(self, token: Any, value: Any) -> None:
        self.calls.append(("end", token))


class Host:
    """A language server as far as the runner can tell: documents, settings, messages."""

    def __init__(self, base_url: str) -> None:
        self.documents = DocumentStore()
        self.diagnostics = DiagnosticStore(self.documents, self._sent)
        self.policy = Policy()
        self.root: Path | None = None
        self.messages: list[tuple[types.MessageType, str]] = []
        self.published: list[tuple[int, int]] = []  # (version, agent findings)
        self.logged: list[str] = []
        self.progress = FakeProgress()
        self.point(base_url)

    def point(self, base_url: str) -> None:
        agent = {
            "baseUrl": base_url,
            "model": "fake",
            "apiKeyEnv": "SE_LSP_TEST_NO_SUCH_KEY",
            "timeoutSeconds": TIMEOUT,
            "cache": False,
        }
        self.settings = Settings(editor=EditorSettings.model_validate({"agent": agent}))

    @property
    def encoding(self) -> str:
        return "utf-16"

    def _sent(self, method: str, params: str) -> None:
        p = json.loads(params)
        agent = [d for d in p["diagnostics"] if d["source"] != BUILTIN_SOURCE]
        self.published.append((p.get("version"), len(agent)))

    def agent_findings(self) -> list[Finding]:
        return self.diagnostics.findings(URI, besides=BUILTIN_SOURCE)

    def notify_user(self, message: str, level: types.MessageType) -> None:
        self.messages.append((level, message))

    def log_message(self, message: str) -> None:
        self.logged.append(message)

    async def ask_user(self, message: str, actions: list[str]) -> str | None:
        raise AssertionError(f"a loopback endpoint needs no consent, asked: {message}")

    def progress_api(self) -> Any:
        return self.progress

    def client_supports(self, field: str) -> bool:
        return True


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


ARG = {
    "uri": URI,
    "range": {"start": {"line": 2, "character": 0}, "end": {"line": 7, "character": 0}},
    "agent": "systems-engineer",
}


@pytest.fixture(scope="module")
def healthy() -> Iterator[FakeModel]:
    with FakeModel() as f:
        yield f


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_fault_ends_in_one_clear_outcome(case: Case, healthy: FakeModel) -> None:
    with FakeModel() as fake:
        base = f"http://127.0.0.1:{closed_port()}/v1" if case.refused else fake.base_url
        fake.push(*case.scripts)
        host = Host(base)
        host.documents.open(types.TextDocumentItem(URI, "rust", 1, RUST))
        runner = AgentRunner(host)
        try:
            # A safety net only: the run's own deadline (TIMEOUT) must end it long before.
            started = time.perf_counter()
            result = await asyncio.wait_for(runner.optimize(ARG, "tok"), 30)
            seconds = time.perf_counter() - started  # recorded as a figure, never asserted
            errors = [m for lvl, m in host.messages if lvl == types.MessageType.Error]
            calls = [c for c, _ in host.progress.calls]
            doc = host.documents.get(URI)
            assert doc is not None
            requests = len(fake.requests) + len(fake.rejected)
            if case.outcome == "error":
                assert "error" in result, result
                assert len(errors) == 1, host.messages
                message = errors[0]
                assert base in message, "the message names the endpoint"
                assert "\n" not in message and "Traceback" not in message
                for word in case.says:
                    assert word in message
            else:
                assert "error" not in result and result["findings"] == 0, result
                assert errors == [], host.messages
                assert result["message"].startswith("0 findings"), result
                message = result["message"]
            assert host.agent_findings() == [], "nothing from a failed or bad reply is published"
            assert all(n == 0 for _, n in host.published)
            assert calls.count("begin") == 1 and calls.count("end") == 1
            assert calls[-1] == "end"
            assert requests <= case.max_requests, "retries are bounded"
            # The same runner still works against a healthy endpoint afterwards.
            host.point(healthy.base_url)
            healthy.push(Script(content=GOOD))
            again = await asyncio.wait_for(runner.optimize(ARG, "tok2"), 30)
            assert again.get("findings") == 1, again
        finally:
            await runner.shutdown()
        # Once the client is closed no connection to the failing endpoint is left open.
        assert await asyncio.to_thread(fake.wait_for, lambda: fake.open_connections == 0, 5)
        record(
            "fault_matrix",
            case.name,
            {
                "outcome": case.outcome,
                "requests": requests,
                "seconds": round(seconds, 2),
                "message": message,
            },
        )


# -- the same faults through a real language server process ------------------------------

LSP_CASES = ["http-500", "dripping-stream", "malformed-sse", "mid-stream-disconnect", "refusal"]


@pytest.fixture
def fake() -> Iterator[FakeModel]:
    with FakeModel() as f:
        yield f


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "se_lsp"]),
)
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


@pytest.mark.parametrize("name", LSP_CASES)
async def test_fault_through_the_server_then_hover_answers(
    name: str, client: LanguageClient, fake: FakeModel
) -> None:
    case = next(c for c in CASES if c.name == name)
    fake.push(*case.scripts)
    caps = client_capabilities("visual-studio-code")
    agent = {
        "baseUrl": fake.base_url,
        "model": "fake",
        "apiKeyEnv": "SE_LSP_TEST_NO_SUCH_KEY",
        "timeoutSeconds": TIMEOUT,
        "cache": False,
    }
    await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri="file:///work/demo",
            initialization_options={"seLsp": {"agent": agent}},
        )
    )
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "rust", 1, RUST))
    )
    client.progress_reports.setdefault("tok", [])
    result = await asyncio.wait_for(
        client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="se-lsp.optimize", arguments=[ARG], work_done_token="tok"
            )
        ),
        30,
    )
    assert "error" in result, result
    errors = [m for m in client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1 and fake.base_url in errors[0].message
    kinds = [type(v).__name__ for v in client.progress_reports["tok"]]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"
    assert kinds.count("WorkDoneProgressEnd") == 1
    agent_diags = [d for d in client.diagnostics.get(URI, ()) if d.source == "systems-engineer"]
    assert agent_diags == []
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(URI), types.Position(2, 10))
        ),
        10,
    )
    # The server still answers (a hover over code with no finding is null, not an error).
    assert hover is None or isinstance(hover, types.Hover)
    record("fault_matrix_lsp", name, {"message": errors[0].message, "progress": kinds})


async def test_a_cut_stream_publishes_only_complete_valid_findings(healthy: FakeModel) -> None:
    """Before a drop: one valid finding, one outside the selection, one half sent."""
    outside = {**GOOD_FINDING, "line_start": 40, "line_end": 40, "anchor": "", "title": "far"}
    half = {**GOOD_FINDING, "title": "never finished"}
    body = json.dumps(
        {"summary": "s", "findings": [GOOD_FINDING, outside, half]}, ensure_ascii=False
    )
    cut_at = body.index("never finished")  # the third finding is still open here
    with FakeModel() as fake:
        fake.push(Script(content=body, chunk=cut_at // 4 or 1, cut_after=4))
        host = Host(fake.base_url)
        host.documents.open(types.TextDocumentItem(URI, "rust", 1, RUST))
        runner = AgentRunner(host)
        try:
            result = await asyncio.wait_for(runner.optimize(ARG, "tok"), 30)
        finally:
            await runner.shutdown()
        doc = host.documents.get(URI)
        assert doc is not None
        assert "error" in result and result["findings"] == 1, result
        assert [f.title for f in host.agent_findings()] == ["Reserve capacity"]
        assert host.agent_findings()[0].span.start.line == 2, "placed on the line its anchor names"
        errors = [m for lvl, m in host.messages if lvl == types.MessageType.Error]
        assert len(errors) == 1 and fake.base_url in errors[0]
        record(
            "fault_matrix",
            "cut-after-one-valid-finding",
            {
                "outcome": "error, 1 valid finding kept",
                "requests": len(fake.requests),
                "seconds": None,
                "message": errors[0],
            },
        )
