"""Properties of the agent path under generated and randomized input.

Model replies are untrusted: whatever text arrives, the parser and validator must not
crash and must not place a finding outside the selection or the document, and what they
show must be free of terminal escapes and invisible characters. Redaction keeps line
numbers. Under randomized cancels, timeouts and edit storms through a real server,
every progress token begins and ends once and no published range is invalid for the
version it is published with. Hundreds of failed requests leave no connection open.
Figures go to tests/.reliability.json (see tests/reliability_report.py).
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import pytest_lsp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from se_lsp.agent.client import AgentError, Endpoint, ModelClient
from se_lsp.agent.prompt import build_prompt
from se_lsp.agent.reply import (
    ReplyFinding,
    StreamParser,
    parse_reply,
    read_finding,
    response_schema,
)
from se_lsp.agent.validate import LIMITS, clean_code, clean_text, to_finding
from se_lsp.core.policy import PLACEHOLDER_PREFIX, redact
from se_lsp.core.positions import LineIndex, Pos, Span, col_to_units
from tests.fakemodel import FakeModel, Script
from tests.reliability_report import record

RUST = (
    "// 😀 ünï\n"
    "fn total(xs: &[u64]) -> Vec<u64> {\n"
    "    let mut v = Vec::new(); // é\n"
    "    for x in xs {\n"
    "        v.push(*x);\n"
    "    }\n"
    "    v\n"
    "}\n"
    "fn other() {}\n"
)
SELECTION = Span(Pos(2, 0), Pos(6, 5))
PROMPT = build_prompt(RUST, "rust", SELECTION)
INDEX = LineIndex(RUST)

# Characters that must never survive sanitising: ESC and C1 CSI (terminal escapes), the
# bidi controls, and the zero-width characters.
FORBIDDEN = set("\x1b\x9b\u061c\u200b\u200c\u200d\u200e\u200f\u2060\ufeff") | {
    chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
}
NASTY = [
    "\x1b[31m",
    "\x1b]8;;http://x\x07",
    "\x1b]0;title\x1b\\",
    "\x9b2J",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\u200d",
    "![img](http://e/x.png)",
    "[link](https://e)",
    "<img src=x onerror=alert(1)>",
    "<<img>img src=x>",
    "<script>",
    "<https://e/>",
    "\x00",
    "\r\n",
    "\t",
    "`",
    "😀",
    PLACEHOLDER_PREFIX + "aws-key#1>",
]
nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=12)), max_size=12).map(
    "".join
)
line_no = st.one_of(
    st.integers(-5, 15),
    st.sampled_from([-(10**30), 10**30, 2**63, -(2**63), 0]),
)
confidence = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.text(max_size=4),
)
anchor = st.one_of(st.sampled_from([*PROMPT.lines, ""]), nasty_text)
finding_dict = st.fixed_dictionaries(
    {
        "line_start": line_no,
        "line_end": st.one_of(st.none(), line_no),
        "anchor": anchor,
        "severity": st.one_of(st.sampled_from(["error", "warning", "hint", "BOGUS"]), nasty_text),
        "category": st.one_of(st.sampled_from(["allocation", "copy", "x"]), nasty_text),
        "title": nasty_text,
        "explanation": nasty_text,
        "replacement": st.one_of(st.none(), nasty_text, st.sampled_from(PROMPT.lines)),
        "impact": nasty_text,
        "measure": nasty_text,
        "confidence": confidence,
    }
)


def _plausible(k: int, shift: int, rest: dict[str, Any], span: int) -> dict[str, Any]:
    """A finding close to right: a real line's anchor, the line number off by `shift`."""
    line = PROMPT.first_line + 1 + k + shift
    return {
        **rest,
        "line_start": line,
        "line_end": line + span,
        "anchor": PROMPT.lines[k],
        "title": "T " + str(rest["title"]),
    }


plausible_dict = st.builds(
    _plausible,
    st.integers(0, len(PROMPT.lines) - 1),
    st.integers(-4, 4),
    finding_dict,
    st.integers(-2, 12),
)
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), nasty_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=True)


reply_text = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda fs, s: _dump({"summary": s, "findings": fs}),
        st.lists(finding_dict, max_size=5),
        nasty_text,
    ),
    st.builds(
        lambda fs, s: _dump({"summary": s, "findings": fs}),
        st.lists(plausible_dict, min_size=1, max_size=5),
        nasty_text,
    ),
    st.builds(
        lambda fs, cut: _dump({"summary": "", "findings": fs})[:cut],
        st.lists(finding_dict, min_size=1, max_size=3),
        st.integers(0, 2000),
    ),
    st.builds(lambda v: _dump({"summary": "", "findings": v}), json_value),
    st.builds(lambda v: "Here:\n```json\n" + _dump(v) + "\n```", json_value),
    st.integers(1, 3000).map(lambda d: '{"findings": [' + "[" * d + "]" * d + "]}"),
    st.integers(1, 3000).map(lambda d: '{"findings": [{"title": ' + "{" * d),
)

COUNTS: dict[str, int] = {}


def _count(name: str, **figures: int) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + 1
    for k, v in figures.items():
        COUNTS[f"{name}.{k}"] = COUNTS.get(f"{name}.{k}", 0) + v


def _clean(s: str) -> bool:
    return not (FORBIDDEN & set(s))


def _check_finding(item: Any) -> bool:
    raw = read_finding(item)
    if isinstance(raw, str):
        return False  # dropped with its reason
    checked = to_finding(raw, PROMPT, RUST, source="prop", index=INDEX)
    f = checked.finding
    if f is None:
        return False
    lo, hi = PROMPT.first_line, PROMPT.last_line
    for pos in (f.span.start, f.span.end):
        assert lo <= pos.line <= hi, (raw, f.span)
        assert 0 <= pos.col <= len(INDEX.line(pos.line))
    assert f.span.start <= f.span.end
    for text in (f.title, f.explanation, f.impact, f.measure):
        assert _clean(text), repr(text)
        assert "![" not in text or "](" not in text.split("![", 1)[1]
        assert "<img" not in text.lower() and "<script" not in text.lower()
    assert "\n" not in f.title and len(f.title) <= LIMITS["title"]
    assert 0.0 <= f.confidence <= 1.0
    if f.fix is not None:
        assert lo <= f.fix.span.start.line <= f.fix.span.end.line <= hi
        assert PLACEHOLDER_PREFIX not in f.fix.new_text
        assert _clean(f.fix.new_text)
    return True


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=reply_text, cuts=st.lists(st.integers(1, 50), max_size=20))
def test_any_reply_parses_or_fails_cleanly_and_stays_in_the_selection(
    text: str, cuts: list[int]
) -> None:
    # Streamed in arbitrary pieces: the scanner never raises.
    stream = StreamParser()
    pos, streamed = 0, []
    for n in [*cuts, len(text)]:
        streamed += stream.feed(text[pos : pos + n])
        pos += n
    streamed += stream.feed(text[pos:])
    try:
        reply = parse_reply(text)
    except ValueError:
        reply = None
    kept = sum(_check_finding(raw) for raw in streamed)
    if reply is not None:
        kept += sum(_check_finding(raw) for raw in reply.items)
        assert reply.summary is None or isinstance(reply.summary, str)
    _count("reply_fuzz", parsed=reply is not None, kept=kept, streamed=len(streamed))


@settings(max_examples=300, deadline=None)
@given(text=nasty_text, limit=st.integers(2, 300))
@example(text="<<img>img src=x onerror=1>", limit=100)  # once rebuilt a tag (fixed)
@example(text="!![[x](a)](http://e/p.png)", limit=100)
@example(text="<![img](http://e/x.png)", limit=100)  # the alt text once made "<img" (fixed)
def test_sanitised_text_has_no_escapes_or_invisible_characters(text: str, limit: int) -> None:
    out = clean_text(text, limit)
    assert _clean(out) and "\x00" not in out
    assert "<img" not in out.lower() and "<script" not in out.lower()
    assert len(out) <= max(limit, len(redact(out).text))
    code = clean_code(text)
    assert _clean(code)
    _count("sanitise")


secretish = st.sampled_from(
    [
        "AKIAIOSFODNN7EXAMPLE",
        'password = "hunter2-Very-Secret-42"',
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAKC\n-----END RSA PRIVATE KEY-----",
        "ghp_" + "a1B2" * 9,
        "postgres://user:s3cr3tPa55@db.example:5432/x",
        "\r\n",
        "\n",
        "\u2028",
    ]
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(secretish, st.text(max_size=20)), max_size=10))
def test_redaction_keeps_every_line_break(parts: list[str]) -> None:
    text = "".join(parts)
    out = redact(text)
    assert out.text.count("\n") == text.count("\n")
    assert len(LineIndex(out.text).lines) == len(LineIndex(text).lines)
    _count("redaction", redacted=out.count)


@settings(max_examples=200, deadline=None)
@given(before=st.text(max_size=30), after=st.text(max_size=30), line=st.integers(3, 7))
def test_a_replacement_with_a_placeholder_is_never_a_fix(
    before: str, after: str, line: int
) -> None:
    raw = ReplyFinding(
        line_start=line,
        line_end=line,
        title="t",
        replacement=f"{before}{PLACEHOLDER_PREFIX}api-key#1>{after}",
    )
    f = to_finding(raw, PROMPT, RUST, source="prop", index=INDEX).finding
    assert f is not None and f.fix is None
    _count("placeholder_fix")


def test_record_generated_case_counts() -> None:
    """Runs after the properties above (file order) and stores how much they generated."""
    names = ["reply_fuzz", "sanitise", "redaction", "placeholder_fix"]
    for name in names:
        if name in COUNTS:
            figures = {k.split(".", 1)[1]: v for k, v in COUNTS.items() if k.startswith(name + ".")}
            record("properties", name, {"cases": COUNTS[name], **figures})
    assert any(name in COUNTS for name in names) or not COUNTS


# -- connections after many failures ---------------------------------------------------


def _pool_connections(client: ModelClient) -> list[Any]:
    out: list[Any] = []
    for sdk in client._clients.values():
        out += list(sdk._client._transport._pool.connections)
    return out


async def test_hundreds_of_failed_requests_leave_no_connection_open() -> None:
    with FakeModel() as fake:
        n = 300
        fake.push(
            *[
                Script(
                    status=500,
                    error={"error": {"message": "boom"}},
                    headers={"retry-after-ms": "1"},
                )
                for _ in range(2 * n)
            ]
        )
        ep = Endpoint(fake.base_url, "fake", "k", "FAKE_KEY", timeout=20.0)
        client = ModelClient()
        failures = 0
        for batch in range(0, n, 30):
            results = await asyncio.gather(
                *[
                    client.complete(ep, "S", "U", response_schema(), lambda _t: None)
                    for _ in range(min(30, n - batch))
                ],
                return_exceptions=True,
            )
            failures += sum(isinstance(r, AgentError) for r in results)
        assert failures == n
        pool = _pool_connections(client)
        busy = [c for c in pool if not c.is_idle()]
        assert busy == [], "no request left a connection in use"
        assert len(pool) <= 30, "kept-alive connections are bounded by the concurrency"
        sockets_while_open = fake.open_connections
        await client.aclose()
        assert await asyncio.to_thread(fake.wait_for, lambda: fake.open_connections == 0, 5)

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        refused = Endpoint(f"http://127.0.0.1:{port}/v1", "fake", "k", "FAKE_KEY", timeout=20.0)
        client = ModelClient()
        results = await asyncio.gather(
            *[
                client.complete(refused, "S", "U", response_schema(), lambda _t: None)
                for _ in range(100)
            ],
            return_exceptions=True,
        )
        assert all(isinstance(r, AgentError) for r in results)
        assert _pool_connections(client) == []
        await client.aclose()
        record(
            "properties",
            "connections_after_failures",
            {
                "cases": n + 100,
                "http_500_requests": len(fake.requests),
                "kept_alive_before_close": sockets_while_open,
                "busy_after": len(busy),
                "open_after_close": fake.open_connections,
            },
        )


# -- randomized runs through a real server ---------------------------------------------

URI = "file:///work/demo/src/lib.rs"
FINDING = {
    "line_start": 3,
    "line_end": 3,
    "anchor": "let mut v = Vec::new(); // é",
    "severity": "warning",
    "category": "allocation",
    "title": "Reserve capacity",
    "explanation": "grows",
    "replacement": "    let mut v = Vec::with_capacity(xs.len()); // é",
    "impact": "",
    "measure": "",
    "confidence": 0.5,
}


ANCHOR_LINES = [(3, "let mut v = Vec::new(); // é"), (5, "v.push(*x);"), (4, "for x in xs {")]
ANCHORS = {f"f{i}": a for i, (_, a) in enumerate(ANCHOR_LINES)}


def _reply(n: int) -> str:
    anchors = ANCHOR_LINES
    fs = [
        {**FINDING, "line_start": ln, "line_end": ln, "anchor": a, "title": f"f{i}"}
        for i, (ln, a) in enumerate(anchors[:n])
    ]
    return json.dumps({"summary": "s", "findings": fs}, ensure_ascii=False)


@pytest.fixture
def fake() -> Iterator[FakeModel]:
    with FakeModel() as f:
        yield f


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "se_lsp"]))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def _start(client: LanguageClient, fake: FakeModel, timeout: float = 1.5) -> None:
    caps = client_capabilities("visual-studio-code")
    if caps.window is None:
        caps.window = types.WindowClientCapabilities()
    caps.window.work_done_progress = True
    agent = {
        "baseUrl": fake.base_url,
        "model": "fake",
        "apiKeyEnv": "SE_LSP_TEST_NO_SUCH_KEY",
        "timeoutSeconds": timeout,
        "cache": False,
        "maxConcurrent": 4,
    }
    await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri="file:///work/demo",
            initialization_options={"seLsp": {"agent": agent, "builtin": {"debounceMs": 10}}},
        )
    )


def _arg(a: int, b: int) -> dict[str, Any]:
    return {
        "uri": URI,
        "range": {"start": {"line": a, "character": 0}, "end": {"line": b, "character": 0}},
        "agent": "systems-engineer",
    }


async def test_every_progress_token_begins_and_ends_once_under_random_faults(
    client: LanguageClient, fake: FakeModel
) -> None:
    rng = random.Random(20261127)
    await _start(client, fake)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "rust", 1, RUST))
    )
    kinds_seen: dict[str, int] = {}
    runs = 24
    for i in range(runs):
        kind = rng.choice(["ok", "500", "timeout", "cut", "cancel-request", "cancel-progress"])
        kinds_seen[kind] = kinds_seen.get(kind, 0) + 1
        token = f"p{i}" if rng.random() < 0.8 else None  # else the server creates one
        slow = Script(content=_reply(2), chunk=8, delay=0.05)
        fake.push(
            {
                "ok": Script(content=_reply(rng.randint(0, 3)), chunk=rng.randint(1, 40)),
                "500": Script(status=500, headers={"retry-after-ms": "1"}),
                "timeout": Script(content=_reply(1), chunk=2, delay=0.1),
                "cut": Script(content=_reply(3), chunk=30, cut_after=rng.randint(0, 6)),
                "cancel-request": slow,
                "cancel-progress": slow,
            }[kind]
        )
        if kind == "500":
            fake.push(Script(status=500, headers={"retry-after-ms": "1"}))
        if token is not None:
            client.progress_reports.setdefault(token, [])
        a = rng.randint(1, 4)
        params = types.ExecuteCommandParams(
            command="se-lsp.optimize", arguments=[_arg(a, 8)], work_done_token=token
        )
        before = len(fake.requests)
        msg_id = 9000 + i
        fut = asyncio.create_task(
            client.protocol.send_request_async(
                types.WORKSPACE_EXECUTE_COMMAND, params, msg_id=msg_id
            )
        )
        if kind.startswith("cancel"):
            await asyncio.to_thread(fake.wait_for, lambda b=before: len(fake.requests) > b, 5)
            await asyncio.sleep(rng.uniform(0, 0.2))
            if kind == "cancel-request" or token is None:
                client.cancel_request(types.CancelParams(id=msg_id))
            else:
                client.protocol.notify(
                    types.WINDOW_WORK_DONE_PROGRESS_CANCEL,
                    types.WorkDoneProgressCancelParams(token=token),
                )
        try:
            await asyncio.wait_for(fut, 15)
        except JsonRpcRequestCancelled:
            assert kind == "cancel-request" or token is None
        fake.scripts.clear()
    # Ends can arrive just after the response: wait for the last ones.
    for _ in range(100):
        if all(
            v and type(v[-1]).__name__ == "WorkDoneProgressEnd"
            for v in client.progress_reports.values()
        ):
            break
        await asyncio.sleep(0.05)
    tokens = {t: v for t, v in client.progress_reports.items() if v}
    assert len(tokens) >= runs * 0.7
    for token, values in tokens.items():
        kinds = [type(v).__name__ for v in values]
        assert kinds[0] == "WorkDoneProgressBegin", (token, kinds)
        assert kinds.count("WorkDoneProgressBegin") == 1, (token, kinds)
        assert kinds.count("WorkDoneProgressEnd") == 1 and kinds[-1] == "WorkDoneProgressEnd", (
            token,
            kinds,
        )
    # The server still answers afterwards.
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(URI), types.Position(2, 6))
    )
    assert hover is None or isinstance(hover, types.Hover)
    record(
        "properties",
        "progress_tokens",
        {"cases": runs, "tokens": len(tokens), **{f"runs_{k}": v for k, v in kinds_seen.items()}},
    )


def _valid(rng: types.Range, text: str) -> bool:
    index = LineIndex(text)
    lines = index.lines

    def ok(p: types.Position) -> bool:
        if p.line < len(lines):
            return 0 <= p.character <= col_to_units(lines[p.line], len(lines[p.line]), "utf-16")
        return p.line == len(lines) and p.character == 0

    return (
        ok(rng.start)
        and ok(rng.end)
        and ((rng.start.line, rng.start.character) <= (rng.end.line, rng.end.character))
    )


async def test_edit_storm_never_publishes_a_range_invalid_for_its_version(
    client: LanguageClient, fake: FakeModel
) -> None:
    rng = random.Random(7)
    await _start(client, fake, timeout=5)
    texts: dict[int, str] = {1: RUST}
    published: list[tuple[int | None, list[types.Diagnostic]]] = []
    handler = client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def spy(*args: Any) -> Any:
        params = args[-1]
        if params.uri == URI:
            published.append((params.version, list(params.diagnostics)))
        return handler(*args)

    client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = spy
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "rust", 1, RUST))
    )
    text, version = RUST, 1
    pending: list[asyncio.Future[Any]] = []
    edits = 0
    for round_ in range(10):
        fake.push(Script(content=_reply(3), chunk=6, delay=0.01))
        params = types.ExecuteCommandParams(command="se-lsp.optimize", arguments=[_arg(1, 8)])
        pending.append(
            asyncio.create_task(
                client.protocol.send_request_async(types.WORKSPACE_EXECUTE_COMMAND, params)
            )
        )
        for _ in range(rng.randint(2, 6)):
            await asyncio.sleep(rng.uniform(0, 0.05))
            lines = text.split("\n")
            ln = rng.randrange(len(lines))
            choice = rng.random()
            if choice < 0.4:  # insert a line with non-ASCII text
                new = "    // ⚡ é 😀 inserted\n"
                start = end = types.Position(ln, 0)
            elif choice < 0.7 and len(lines) > 3:  # delete a whole line
                new = ""
                start, end = types.Position(ln, 0), types.Position(ln + 1, 0)
                if ln + 1 >= len(lines):
                    continue
            else:  # rewrite the tail of a line
                cut = rng.randint(0, len(lines[ln]))
                units = col_to_units(lines[ln], cut, "utf-16")
                full = col_to_units(lines[ln], len(lines[ln]), "utf-16")
                new = "😀x"
                start, end = types.Position(ln, units), types.Position(ln, full)
            # Keep the client's own copy, applying the edit in code points.
            idx = LineIndex(text)
            a = idx.offset(idx.from_client(start.line, start.character, "utf-16"))
            b = idx.offset(idx.from_client(end.line, end.character, "utf-16"))
            text = text[:a] + new + text[b:]
            version += 1
            texts[version] = text
            edits += 1
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    types.VersionedTextDocumentIdentifier(uri=URI, version=version),
                    [types.TextDocumentContentChangePartial(types.Range(start, end), new)],
                )
            )
        if round_ % 2:  # every other run is left to finish, so its findings are published
            try:
                await asyncio.wait_for(pending[-1], 15)
            except Exception:  # replaced by a newer overlapping run
                pass
    for fut in pending:
        try:
            await asyncio.wait_for(fut, 15)
        except Exception:  # a run replaced by a newer overlapping one is cancelled
            pass
    await asyncio.sleep(0.3)  # let the last debounced built-in analysis publish
    assert published, "diagnostics were published during the storm"
    checked = agent = 0
    bad: list[tuple[int, types.Range, str]] = []  # invalid for their version, or stale
    for ver, diags in published:
        assert ver in texts, f"published for unknown version {ver}"
        for d in diags:
            checked += 1
            if not _valid(d.range, texts[ver]):
                bad.append((ver, d.range, d.message))
                continue
            if d.source == "systems-engineer":
                # An agent finding sits on the very line of code it was made for.
                line = texts[ver].split("\n")[d.range.start.line]
                if line.strip() != ANCHORS[d.message]:
                    bad.append((ver, d.range, d.message))
                agent += 1
    record(
        "properties",
        "edit_storm",
        {
            "cases": len(published),
            "edits": edits,
            "runs": len(pending),
            "ranges_checked": checked,
            "agent_ranges": agent,
            "invalid_or_stale": len(bad),
        },
    )
    assert not bad, bad[:5]


def test_report_renders_what_was_recorded() -> None:
    from tests.reliability_report import render

    data = {
        "fault_matrix": {"x-fault": {"outcome": "error", "requests": 2, "message": "a|b"}},
        "properties": {"p": {"cases": 7, "kept": 3}},
    }
    out = render(data)
    assert "| x-fault | error | 2 |" in out and "a\\|b" in out
    assert "1 faults, 2 HTTP requests" in out
    assert "| p | 7 | kept: 3 |" in out
