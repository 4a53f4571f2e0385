"""Documents nobody writes on purpose, and edits no editor should send.

Empty, `\\r`-only, NUL-filled and mixed-line-ending documents, a 50,000-character
line, 100,000 nested braces, a 20 MB file, positions past the end and inverted
ranges: the server answers every request meanwhile, says once when it skips or
stops an analysis, and afterwards publishes exactly what a fresh in-process
analysis of the text finds. The client negotiates UTF-32, so a diagnostic's
character is a code-point column and the check below needs no converter of ours.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from se_lsp.rules import analyze
from tests.lsp.rawclient import INIT, RawServer, notification, request
from tests.reliability_report import record

CPP_BODY = '#include <iostream>\nvoid f() { std::cout << "é😀" << std::endl; }\n'


def init(**builtin: object) -> dict:
    params = {**INIT, "initializationOptions": {"seLsp": {"builtin": {"debounceMs": 0, **builtin}}}}
    return params


def expected(text: str, language: str) -> list[tuple]:
    return sorted(
        (f.code, f.span.start.line, f.span.start.col, f.span.end.line, f.span.end.col)
        for f in analyze(text, language).findings
    )


def published(diags: list[dict]) -> list[tuple]:
    out = []
    for d in diags:
        r = d["range"]
        out.append(
            (
                d["code"],
                r["start"]["line"],
                r["start"]["character"],
                r["end"]["line"],
                r["end"]["character"],
            )
        )
    return sorted(out)


def hover(msg_id: object, uri: str, line: int, character: int) -> dict:
    return request(
        msg_id,
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
    )


@pytest.fixture
def server():
    s = RawServer()
    s.initialize(init(timeBudgetMs=1500))
    yield s
    s.stop()


ODD = {
    "empty": "",
    "cr-only": "\r\r\r",
    "nul": "void f() {\x00 std::cout << 1 << std::endl; \x00}\n\x00",
    "mixed-endings": "#include <iostream>\r\nvoid f() {\r    std::cout << 1 << std::endl;\n}\r\n",
    "no-final-newline": CPP_BODY.rstrip("\n"),
    "bom": "\ufeff" + CPP_BODY,
}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_documents_get_the_right_diagnostics(server: RawServer, name: str) -> None:
    text = ODD[name]
    uri = f"file:///odd/{name}.cpp"
    server.open(uri, text)
    diags = server.diagnostics(uri, 1)
    assert published(diags) == expected(text, "cpp")
    for i, (line, ch) in enumerate([(0, 0), (0, 10**6), (10**6, 0), (2, 3)]):
        assert "result" in server.call(
            f"{name}-{i}", "textDocument/hover", hover(None, uri, line, ch)["params"]
        )
    assert server.stderr == ""


def test_a_long_line_is_skipped_with_one_message(server: RawServer) -> None:
    uri = "file:///odd/table.cpp"
    text = "static const int T[] = {" + "1, " * 20_000 + "};\n" + CPP_BODY
    server.open(uri, text)
    assert server.diagnostics(uri, 1) == []
    server.send(
        notification(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": 1, "character": 0},
                            "end": {"line": 1, "character": 0},
                        },
                        "text": "// x\n",
                    }
                ],
            },
        )
    )
    assert server.diagnostics(uri, 2) == []
    notes = [m for m in server.messages() if "table.cpp" in m]
    assert len(notes) == 1 and "60,0" in notes[0], notes


def test_a_huge_file_is_not_analysed_and_requests_stay_fast(server: RawServer) -> None:
    uri = "file:///odd/huge.cpp"
    text = CPP_BODY * (20 * 1024 * 1024 // len(CPP_BODY))
    server.open(uri, text)
    assert server.diagnostics(uri, 1, timeout=60) == []
    started = time.monotonic()
    assert "result" in server.call(
        "huge-hover", "textDocument/hover", hover(None, uri, 1, 30)["params"]
    )
    assert time.monotonic() - started < 5
    notes = [m for m in server.messages() if "huge.cpp" in m]
    assert len(notes) == 1 and "maxFileKb" in notes[0], notes


def _worker_pids(server: RawServer) -> set[int]:
    path = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def test_deep_nesting_overruns_once_and_is_not_retried_on_each_keystroke(
    server: RawServer,
) -> None:
    uri = "file:///odd/nested.rs"
    server.open(uri, "fn f() " + "{\n" * 100_000, language="rust")
    # While the analysis process burns its budget, requests are answered at once.
    worst = 0.0
    deadline = time.monotonic() + 3
    i = 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        server.call(f"nest-{i}", "textDocument/hover", hover(None, uri, 5, 0)["params"])
        worst = max(worst, time.monotonic() - started)
        i += 1
        time.sleep(0.05)
    assert worst < 1.0, f"a hover waited {worst:.2f} s"
    record(
        "lsp_server",
        "100,000 nested braces, 1.5 s budget",
        {"hovers while it ran": i, "slowest hover ms": round(worst * 1000, 1)},
    )
    assert server.diagnostics(uri, 1, timeout=30) == []
    notes = [m for m in server.messages() if "nested.rs" in m]
    assert len(notes) == 1 and "timeBudgetMs" in notes[0], notes
    before = _worker_pids(server)
    for version in range(2, 6):
        server.send(
            notification(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [
                        {
                            "range": {
                                "start": {"line": 1, "character": 0},
                                "end": {"line": 1, "character": 0},
                            },
                            "text": " ",
                        }
                    ],
                },
            )
        )
    assert server.diagnostics(uri, 5) == []
    assert _worker_pids(server) == before == set(), "no analysis process was started for it"
    assert len([m for m in server.messages() if "nested.rs" in m]) == 1


# -- edits that are out of range or inverted -----------------------------------------------

_BREAK = re.compile(r"\r\n|\r|\n")


def _offset(text: str, line: int, character: int) -> int:
    """LSP position (code points) to an offset, clamped as the LSP specification says."""
    starts = [0] + [m.end() for m in _BREAK.finditer(text)]
    if line >= len(starts):
        return len(text)
    start = starts[line]
    if line + 1 < len(starts):
        m = _BREAK.search(text, start)
        end = m.start() if m else len(text)
    else:
        end = len(text)
    return start + min(character, end - start)


def _apply(text: str, change: dict) -> str:
    r = change["range"]
    a = _offset(text, r["start"]["line"], r["start"]["character"])
    b = _offset(text, r["end"]["line"], r["end"]["character"])
    a, b = min(a, b), max(a, b)
    return text[:a] + change["text"] + text[b:]


RUST = (Path(__file__).resolve().parents[1] / "corpus" / "rust" / "buffers.rs").read_text()
INSERTS = ["", "\n", "\r\n", "\r", "é😀", "    let v = Vec::new();\n", "}", "{\n", "\x00"]


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2**32))
def test_random_edits_with_bad_ranges_leave_correct_diagnostics(seed: int) -> None:
    rng = random.Random(seed)
    server = RawServer()
    try:
        server.initialize()
        uri = "file:///odd/edited.rs"
        text = RUST
        server.open(uri, text, language="rust")
        lines = text.count("\n") + 2
        version = 1
        for _ in range(rng.randint(5, 25)):

            def pos() -> dict:
                return {
                    "line": rng.choice([rng.randrange(lines), lines + rng.randint(0, 5), 10**6]),
                    "character": rng.choice([0, rng.randrange(80), 10**6]),
                }

            change = {"range": {"start": pos(), "end": pos()}, "text": rng.choice(INSERTS)}
            version += 1
            text = _apply(text, change)
            server.send(
                notification(
                    "textDocument/didChange",
                    {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
                )
            )
            if rng.random() < 0.3:
                server.send(
                    request(
                        f"e{seed}-{version}",
                        "textDocument/codeAction",
                        {
                            "textDocument": {"uri": uri},
                            "range": {"start": pos(), "end": pos()},
                            "context": {"diagnostics": []},
                        },
                    )
                )
        time.sleep(1.5)  # the exact pass follows typing after a pause
        diags = server.diagnostics(uri, version)
        assert published(diags) == expected(text, "rust")
        for msg_id in [k for k in list(server.responses) if str(k).startswith(f"e{seed}-")]:
            assert "result" in server.responses[msg_id]
        assert server.stderr == ""
    finally:
        server.stop()
