"""Issue 13 end to end: a real server over stdio, the scripted model on 127.0.0.1, real toolchains.

- An agent's replacement that does not compile is not offered and its hover quotes the
  compiler; one that compiles is offered and says so (Rust, C++, Go).
- On save, the linters' findings appear merged with the built-in ones and explained.
- "Measure this change" asks the model for a benchmark pair, shows it, runs it only when
  the user confirms, and reports the figures in the hover and in showStats.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.agent.lspkit import as_action, read_code_actions_like_editors
from tests.fakemodel import FakeModel, Script
from tests.toolchains.conftest import tool_or_skip

CACHE = tempfile.mkdtemp(prefix="se-lsp-proof-")
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SE_LSP_"))}
ENV |= {
    "FAKE_KEY": "test-key",
    "SE_LSP_CACHE_DIR": CACHE,
    "NO_PROXY": "*",
    "GOPROXY": "off",
    "GOFLAGS": "",
    "CARGO_NET_OFFLINE": "true",
}

ASKED: list[types.ShowMessageRequestParams] = []
ANSWER: dict[str, str | None] = {"title": "Run benchmark"}


@pytest.fixture
def fake() -> Iterator[FakeModel]:
    with FakeModel() as f:
        yield f


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "se_lsp"], server_env=ENV),
)
async def client(lsp_client: LanguageClient):
    ASKED.clear()

    @lsp_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def _ask(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
        ASKED.append(params)
        title = ANSWER["title"]
        return types.MessageActionItem(title=title) if title else None

    read_code_actions_like_editors(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def start(
    client: LanguageClient, fake: FakeModel | None, root: Path, path: Path, language: str
) -> str:
    caps = client_capabilities("visual-studio-code")
    if caps.window is None:
        caps.window = types.WindowClientCapabilities()
    caps.window.show_document = types.ShowDocumentClientCapabilities(support=True)
    options: dict[str, Any] = {"builtin": {"debounceMs": 10}, "verify": {"timeoutMs": 120_000}}
    if fake is not None:
        options["agent"] = {"baseUrl": fake.base_url, "model": "fake", "apiKeyEnv": "FAKE_KEY"}
    await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            initialization_options={"seLsp": options},
        )
    )
    uri = path.as_uri()
    waiter = asyncio.ensure_future(
        client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    )
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, 1, path.read_text()))
    )
    await asyncio.wait_for(waiter, 20)
    return uri


def finding(line: int, anchor: str, title: str, replacement: str) -> dict[str, Any]:
    return {
        "line_start": line,
        "line_end": line,
        "anchor": anchor,
        "severity": "warning",
        "category": "allocation",
        "title": title,
        "explanation": "Why it costs.",
        "replacement": replacement,
        "impact": "fewer allocations",
        "measure": "a benchmark",
        "confidence": 0.8,
    }


async def optimize(client: LanguageClient, uri: str, first: int, last: int) -> dict[str, Any]:
    arg = {
        "uri": uri,
        "range": {"start": {"line": first, "character": 0}, "end": {"line": last, "character": 0}},
        "agent": "systems-engineer",
    }
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="se-lsp.optimize", arguments=[arg])
    )
    return dict(result._asdict()) if hasattr(result, "_asdict") else result


async def hover_text(client: LanguageClient, uri: str, line: int, character: int) -> str:
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, character))
    )
    return hover.contents.value if hover is not None else ""  # type: ignore[union-attr]


async def settled_hover(client: LanguageClient, uri: str, line: int, char: int = 6) -> str:
    """The hover once the fix's compile check has finished (it runs in the background)."""
    deadline = time.monotonic() + 180
    done = ("**Compile-checked:**", "**Not offered as a quick fix:**", "**Not compile-checked:**")
    while True:
        text = await hover_text(client, uri, line, char)
        if any(d in text for d in done):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"the compile check did not finish: {text}")
        await asyncio.sleep(0.3)


async def action_titles(client: LanguageClient, uri: str, first: int, last: int) -> list[str]:
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(first, 0), types.Position(last, 0)),
            types.CodeActionContext(diagnostics=[]),
        )
    )
    return [as_action(a)["title"] for a in actions or []]


CASES = {
    # language: (fixture, file, selection (0-based first, last), good, bad, tool, error text)
    "rust": (
        "crate",
        "src/lib.rs",
        (11, 17),
        (13, "let mut v = Vec::new();", "    let mut v = Vec::with_capacity(xs.len());"),
        (15, "v.push(*x);", "        v.push(x.size());"),
        "cargo check",
        "no method named `size`",
    ),
    "cpp": (
        "cpp_project",
        "src/main.cpp",
        (4, 8),
        (
            7,
            "for (auto s : v) {",
            "    for (const auto& s : v) { /* é✓😀 */ n += twice(static_cast<int>(s.size())); }",
        ),
        (8, "return n;", "    return m;"),
        "-fsyntax-only",
        "'m' was not declared",
    ),
    "go": (
        "go_module",
        "pkg/a.go",
        (12, 16),
        (
            16,
            "/* é✓😀 */ return strings.ToLower(a) == strings.ToLower(b)",
            "\t/* é✓😀 */ return strings.EqualFold(a, b)",
        ),
        (
            13,
            "func Value(c Counter) int { return c.n }",
            "func Value(c *Counter) int { return c.count }",
        ),
        "go build",
        "c.count undefined",
    ),
}


@pytest.mark.parametrize("language", sorted(CASES))
async def test_replacements_are_compile_checked_before_they_are_offered(
    client: LanguageClient, fake: FakeModel, language: str, request: pytest.FixtureRequest
) -> None:
    fixture, rel, (first, last), good, bad, tool, error = CASES[language]
    if language == "cpp":
        tool_or_skip("c++", "g++", "clang++")
    root: Path = request.getfixturevalue(fixture)
    path = root / rel
    uri = await start(client, fake, root, path, language)
    reply = {
        "findings": [
            finding(good[0], good[1], "Good: compiles", good[2]),
            finding(bad[0], bad[1], "Bad: does not compile", bad[2]),
        ]
    }
    fake.push(Script(content=json.dumps(reply, ensure_ascii=False)))
    result = await optimize(client, uri, first, last + 1)
    assert result["findings"] == 2, result

    lines = path.read_text().splitlines()

    def col(line: int, anchor: str) -> int:
        return lines[line - 1].index(anchor) + 1

    bad_hover = await settled_hover(client, uri, bad[0] - 1, col(bad[0], bad[1]))
    assert "Not offered as a quick fix" in bad_hover and tool in bad_hover
    assert error in bad_hover, bad_hover  # the compiler's own words
    good_hover = await settled_hover(client, uri, good[0] - 1, col(good[0], good[1]))
    assert "**Compile-checked:**" in good_hover and tool in good_hover

    titles = await action_titles(client, uri, first, last + 1)
    assert any(t.startswith("Apply: Good: compiles (compiles: ") for t in titles), titles
    assert not any(t.startswith("Apply: Bad") for t in titles), titles
    assert "Dismiss: Bad: does not compile" in titles  # the finding itself stays
    # Nothing was written into the project (the check ran on a scratch copy or overlay).
    assert path.read_text() == (root / rel).read_text()


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "se_lsp"],
        server_env={**ENV, "PATH": tempfile.mkdtemp(prefix="se-lsp-empty-path-")},
    ),
)
async def bare_client(lsp_client: LanguageClient):
    """A server whose PATH holds nothing: no cargo, no compiler, no go."""
    read_code_actions_like_editors(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_no_toolchain_offers_the_fix_and_says_it_was_not_checked(
    bare_client: LanguageClient, fake: FakeModel, tmp_path: Path
) -> None:
    src = tmp_path / "lone.go"
    src.write_text("package lone\n\nfunc F() []int {\n\tvar s []int\n\treturn s\n}\n")
    uri = await start(bare_client, fake, tmp_path, src, "go")
    reply = {"findings": [finding(4, "var s []int", "Preallocate", "\ts := make([]int, 0, 8)")]}
    fake.push(Script(content=json.dumps(reply)))
    await optimize(bare_client, uri, 2, 6)
    text = await settled_hover(bare_client, uri, 3, 2)
    assert "**Not compile-checked:** no Go toolchain (go) on PATH" in text
    titles = await action_titles(bare_client, uri, 2, 6)
    assert "Apply: Preallocate" in titles  # offered as before, without a claim


# -- linters on save -----------------------------------------------------------------------

LINTED = {
    # language: (fixture, file, tool executable, merged built-in code, mirrored check,
    #            a check of the tool no rule mirrors (or None))
    "rust": (
        "crate",
        "src/lib.rs",
        "cargo-clippy",
        "rust/expect-fun-call",
        "clippy::expect_fun_call",
        "clippy::map_entry",
    ),
    "cpp": (
        "cpp_project",
        "src/main.cpp",
        "clang-tidy",
        "cpp/for-range-copy",
        "clang-tidy:performance-for-range-copy",
        None,
    ),
    "go": (
        "go_module",
        "pkg/a.go",
        "go-staticcheck",
        "go/equal-fold",
        "staticcheck:SA6005",
        "copylocks",
    ),
}


@pytest.mark.parametrize("language", sorted(LINTED))
async def test_linters_on_save_are_merged_and_explained(
    client: LanguageClient, fake: FakeModel, language: str, request: pytest.FixtureRequest
) -> None:
    fixture, rel, exe, builtin, mirrored, own = LINTED[language]
    tool_or_skip(exe)
    root: Path = request.getfixturevalue(fixture)
    path = root / rel
    uri = await start(client, fake, root, path, language)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri))
    )
    deadline = time.monotonic() + 180
    while True:
        diags = client.diagnostics.get(uri, [])
        merged = [d for d in diags if d.code == builtin and "also" in d.message]
        if merged and (own is None or any(d.code == own for d in diags)):
            break
        if time.monotonic() > deadline:
            raise AssertionError([(d.code, d.message) for d in diags])
        await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 180
        )
    (one,) = merged
    assert one.message.endswith(f"(also {mirrored})")
    # The linter's own copy is not shown beside it: one diagnostic for the two.
    linter_code = mirrored.split(":", 1)[1] if not mirrored.startswith("clippy") else mirrored
    assert not any(d.code == linter_code for d in diags), [(d.source, d.code) for d in diags]
    md = await hover_text(client, uri, one.range.start.line, one.range.start.character)
    assert "Also reported by" in md
    if own is not None:
        theirs = next(d for d in diags if d.code == own)
        assert theirs.source in ("clippy", "go vet")
        md = await hover_text(client, uri, theirs.range.start.line, theirs.range.start.character)
        assert "Found by" in md and "](https://" in md  # the tool's words and its docs

    # The linters' findings go to the agent as hints, with the built-in ones.
    fake.push(Script(content='{"findings": []}'))
    last = len(path.read_text().splitlines())
    await optimize(client, uri, 0, last)
    prompt = fake.requests[0].body["messages"][-1]["content"]
    assert f"also {mirrored}" in prompt
    if own is not None:
        assert own in prompt


# -- measure -------------------------------------------------------------------------------

CPP_BENCH = """#include <chrono>
#include <cstdio>
volatile long sink;
int main() {
    if (std::FILE* ran = std::fopen("MARKER", "w")) { std::fclose(ran); }  // proof it ran
    const int iters = 300;
    auto t = std::chrono::steady_clock::now();
    long total = 0;
    for (int k = 0; k < iters; ++k) {
        long s = 0;
        for (long i = 0; i < N; ++i) { sink = s += i; }
        total += s;
    }
    auto d = std::chrono::steady_clock::now() - t;
    std::printf("checksum %d\\n", total > 0);
    std::printf("%.1f ns/op\\n", std::chrono::duration<double, std::nano>(d).count() / iters);
}
"""


@pytest.mark.parametrize("answer", ["Run benchmark", None])
async def test_measure_this_change_runs_only_after_the_user_confirms(
    client: LanguageClient, fake: FakeModel, cpp_project: Path, answer: str | None
) -> None:
    tool_or_skip("c++", "g++")
    ANSWER["title"] = answer
    marker = cpp_project.parent / "the-benchmark-ran"
    bench = CPP_BENCH.replace("MARKER", str(marker))
    path = cpp_project / "src" / "main.cpp"
    uri = await start(client, fake, cpp_project, path, "cpp")
    good = CASES["cpp"][3]
    fake.push(
        Script(
            content=json.dumps(
                {"findings": [finding(good[0], good[1], "Copy-free loop", good[2])]},
                ensure_ascii=False,
            )
        ),
        Script(
            content=json.dumps(
                {
                    "before": bench.replace("< N", "< 40000"),
                    "after": bench.replace("< N", "< 1000"),
                    "description": "The loop over 40,000 against 1,000 elements.",
                }
            )
        ),
    )
    await optimize(client, uri, 4, 9)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(6, 0), types.Position(6, 4)),
            types.CodeActionContext(diagnostics=[]),
        )
    )
    measure = next(a for a in map(as_action, actions or []) if a["title"].startswith("Measure"))
    assert measure["title"] == "Measure this change: Copy-free loop"
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="se-lsp.measure", arguments=measure["command"]["arguments"]
        )
    )
    result = dict(result._asdict()) if hasattr(result, "_asdict") else result
    assert len(fake.requests) == 2  # the review, then the benchmark pair
    assert "before" in fake.requests[1].body["messages"][1]["content"].lower()
    # The pair was shown (a file in se-lsp's scratch area, not the project) and asked about.
    shown = [d.uri for d in client.shown_documents]  # pytest-lsp answers showDocument
    assert len(shown) == 1 and shown[0].startswith(Path(CACHE).as_uri()), shown
    review = Path(shown[0].removeprefix("file://")).read_text()
    assert "< 40000" in review and "< 1000" in review
    assert len(ASKED) == 1 and [a.title for a in ASKED[0].actions or []] == [
        "Run benchmark",
        "Cancel",
    ]
    hover = await hover_text(client, uri, 6, 6)
    if answer is None:
        assert result["cancelled"] is True
        assert "Measured" not in hover
        assert not marker.exists()  # nothing was built or run
        return
    assert marker.exists()  # it ran, once confirmed
    assert result["runs"] == 12 and result["ratio"] > 5, result
    assert result["headline"].endswith(f"12 runs, ±{result['spread']:.0%}")
    assert f"**Measured:** {result['headline']}" in hover
    assert "| before |" in hover
    stats = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="se-lsp.showStats", arguments=[])
    )
    assert f"Copy-free loop: {result['headline']}" in str(stats)
    assert "Compile checks of fixes:" in str(stats)
