"""Hostile LSP traffic over stdio: broken frames, invalid JSON-RPC, lifecycle misuse.

Every case ends the same way: each request the server could read is answered with
its id (a result, or the JSON-RPC error the specification names), the server still
answers afterwards (or, when the stream is beyond repair, exits non-zero with one
clear line), and the exit code is the one LSP asks for. Hand-written cases pin the
known shapes; hypothesis generates the rest.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.lsp.rawclient import HOVER_NOWHERE, RawServer, frame, notification, request
from tests.reliability_report import record

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
NOT_INITIALIZED = -32002
URI = "file:///adv/a.cpp"


def hover(msg_id: object, line: int = 0, character: int = 0, uri: str = URI) -> dict:
    return request(
        msg_id,
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
    )


def raw_frame(body: bytes, length: object = None, blank: bool = True) -> bytes:
    head = b"Content-Length: " + str(len(body) if length is None else length).encode()
    return head + (b"\r\n\r\n" if blank else b"\r\n") + body


class Servers:
    """One server shared by a test module's cases; a fresh one after it exits."""

    def __init__(self) -> None:
        self.server: RawServer | None = None
        self.lock = threading.Lock()

    def get(self) -> RawServer:
        if self.server is None or self.server.proc.poll() is not None:
            self.server = RawServer()
            self.server.initialize()
        return self.server

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


STATS: Counter[str] = Counter()


@pytest.fixture(scope="module")
def servers():
    pool = Servers()
    yield pool
    pool.close()
    record("lsp_server", "adversarial (generated)", dict(sorted(STATS.items())))


@pytest.fixture
def server(servers: Servers) -> RawServer:
    return servers.get()


_ids = iter(range(10**9))


def fresh_id() -> int:
    return next(_ids) + 1000


# -- framing -------------------------------------------------------------------------------


def test_a_too_small_content_length_is_recovered(server: RawServer) -> None:
    a, b = fresh_id(), fresh_id()
    body = json.dumps(hover(a)).encode()
    server.send_bytes(raw_frame(body, len(body) - 7) + frame(hover(b)))
    assert "result" in server.response(b)
    assert "result" in server.response(a), "the short frame's own request is answered"


def test_a_content_length_that_is_not_a_number(server: RawServer) -> None:
    a, b = fresh_id(), fresh_id()
    server.send_bytes(raw_frame(json.dumps(hover(a)).encode(), "abc") + frame(hover(b)))
    assert "result" in server.response(a)
    assert "result" in server.response(b)


def test_a_header_without_the_blank_line(server: RawServer) -> None:
    a, b = fresh_id(), fresh_id()
    server.send_bytes(raw_frame(json.dumps(hover(a)).encode(), blank=False) + frame(hover(b)))
    assert "result" in server.response(a)
    assert "result" in server.response(b)


def test_a_too_large_content_length_before_another_message(server: RawServer) -> None:
    a, b = fresh_id(), fresh_id()
    body = json.dumps(hover(a)).encode()
    server.send_bytes(raw_frame(body, len(body) + 40) + frame(hover(b)))
    assert "result" in server.response(a)
    assert "result" in server.response(b)


def test_a_too_large_content_length_that_ends_where_the_next_body_says_file(
    server: RawServer,
) -> None:
    """The window ends inside the next message, right before `file:///...`: that is text
    in a body, not a header (found by the generated damage below, seed 12360)."""
    a, b = fresh_id(), fresh_id()
    body = json.dumps(hover(a)).encode()
    following = frame(hover(b))
    length = len(body) + following.index(b"file:")
    server.send_bytes(raw_frame(body, length) + following)
    assert "result" in server.response(a)
    assert "result" in server.response(b)


def test_a_too_large_content_length_with_nothing_after_it(server: RawServer) -> None:
    a = fresh_id()
    body = json.dumps(hover(a)).encode()
    server.send_bytes(raw_frame(body, len(body) + 500))
    assert "result" in server.response(a, timeout=10), "answered once the input stalls"
    assert server.alive_and_answering(fresh_id())


def test_garbage_between_messages_is_skipped(server: RawServer) -> None:
    a = fresh_id()
    server.send_bytes(b"\x00\xffnot a header at all\r\n\r\n" + frame(hover(a)))
    assert "result" in server.response(a)


def test_tolerated_header_variants(server: RawServer) -> None:
    a, b, c = fresh_id(), fresh_id(), fresh_id()
    body_a = json.dumps(hover(a)).encode()
    body_b = json.dumps(hover(b)).encode()
    body_c = json.dumps(hover(c)).encode()
    server.send_bytes(b"content-length: %d\n\n" % len(body_a) + body_a)
    server.send_bytes(
        b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"
        % len(body_b)
        + body_b
    )
    server.send_bytes(b"Content-Length:%d  \r\n\r\n" % len(body_c) + body_c)
    for msg_id in (a, b, c):
        assert "result" in server.response(msg_id)
    assert server.framing_errors == []


def test_a_stream_beyond_repair_ends_the_server_with_one_line() -> None:
    server = RawServer()
    server.initialize()
    server.send_bytes(raw_frame(b"this is not json", "x") + raw_frame(b"neither is this", "y"))
    server.send_bytes(raw_frame(b"nor this one", "z"))
    assert server.exit_code(timeout=20) != 0
    lines = [ln for ln in server.stderr.splitlines() if "cannot be read any more" in ln]
    assert len(lines) == 1, server.stderr


# -- JSON-RPC violations -------------------------------------------------------------------


VIOLATIONS = [
    # (name, body bytes, expected code, whether the response carries the request's id)
    (
        "params-not-structured",
        {"jsonrpc": "2.0", "id": "X", "method": "textDocument/hover", "params": 5},
        INVALID_REQUEST,
        True,
    ),
    ("negative-character", hover("X", 0, -1), INVALID_PARAMS, True),
    ("negative-line", hover("X", -3, 0), INVALID_PARAMS, True),
    (
        "position-wrong-type",
        {**hover("X"), "params": {"textDocument": {"uri": URI}, "position": "here"}},
        INVALID_PARAMS,
        True,
    ),
    ("params-missing-field", request("X", "textDocument/hover", {}), INVALID_PARAMS, True),
    ("no-method", {"jsonrpc": "2.0", "id": "X"}, INVALID_REQUEST, True),
    ("method-not-string", {"jsonrpc": "2.0", "id": "X", "method": 7}, INVALID_REQUEST, True),
    ("wrong-jsonrpc", {**hover("X"), "jsonrpc": "1.0"}, INVALID_REQUEST, True),
    ("unknown-method", request("X", "se-lsp/noSuchThing", {}), METHOD_NOT_FOUND, True),
    ("id-object", {**hover(0), "id": {"a": 1}}, INVALID_REQUEST, False),
    ("id-float", {**hover(0), "id": 1.5}, INVALID_REQUEST, False),
    ("id-bool", {**hover(0), "id": True}, INVALID_REQUEST, False),
    ("batch", [hover("X")], INVALID_REQUEST, False),
    ("empty-batch", [], INVALID_REQUEST, False),
    ("not-an-object", "hello", INVALID_REQUEST, False),
    (
        "command-bad-args",
        request("X", "workspace/executeCommand", {"command": 3}),
        INVALID_PARAMS,
        True,
    ),
]


@pytest.mark.parametrize(
    ("name", "message", "code", "with_id"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS]
)
def test_invalid_requests_are_answered(
    server: RawServer, name: str, message: object, code: int, with_id: bool
) -> None:
    msg_id = fresh_id()
    text = json.dumps(message).replace('"X"', str(msg_id))
    before = len(server.null_id_errors)
    server.send_bytes(raw_frame(text.encode()))
    if with_id:
        reply = server.response(msg_id)
        assert reply["error"]["code"] == code, reply
    else:
        server.alive_and_answering(fresh_id())
        assert [e["error"]["code"] for e in server.null_id_errors[before:]] == [code]
    assert server.alive_and_answering(fresh_id())


def test_invalid_utf8_is_a_parse_error_with_the_id(server: RawServer) -> None:
    msg_id = fresh_id()
    body = json.dumps(hover(msg_id)).encode().replace(b'"file:', b'"\xff\xfefile:')
    server.send_bytes(raw_frame(body))
    assert server.response(msg_id)["error"]["code"] == PARSE_ERROR
    assert server.alive_and_answering(fresh_id())


def test_broken_json_and_deep_nesting_are_parse_errors(server: RawServer) -> None:
    before = len(server.null_id_errors)
    msg_id = fresh_id()
    # Cut short, but its id can still be read: the parse error goes to that id.
    server.send_bytes(raw_frame(b'{"jsonrpc": "2.0", "id": %d, "method": ' % msg_id))
    server.send_bytes(raw_frame(b"[" * 100_000 + b"]" * 100_000))
    assert server.alive_and_answering(fresh_id())
    assert server.response(msg_id)["error"]["code"] == PARSE_ERROR
    codes = [e["error"]["code"] for e in server.null_id_errors[before:]]
    assert codes == [PARSE_ERROR]


def test_unknown_notifications_are_ignored_quietly(server: RawServer) -> None:
    server.send(notification("$/someExtension", {"x": 1}))
    server.send(notification("textDocument/didChange", {"nonsense": True}))
    assert server.alive_and_answering(fresh_id())


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
METHODS = [
    "textDocument/hover",
    "textDocument/codeAction",
    "codeAction/resolve",
    "workspace/executeCommand",
    "textDocument/didChange",
    "textDocument/didOpen",
    "workspace/didChangeConfiguration",
    "$/cancelRequest",
    "se-lsp/unknown",
]


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    method=st.sampled_from(METHODS),
    params=JSON
    | st.fixed_dictionaries(
        {
            "textDocument": st.fixed_dictionaries({"uri": st.sampled_from([URI, "x", ""])}),
            "position": st.fixed_dictionaries({"line": JSON, "character": JSON}),
        }
    ),
    is_request=st.booleans(),
)
def test_generated_messages_never_go_unanswered(
    servers: Servers, method: str, params: object, is_request: bool
) -> None:
    server = servers.get()
    msg_id = fresh_id()
    message: dict = {"jsonrpc": "2.0", "method": method, "params": params}
    if is_request:
        message["id"] = msg_id
    server.send(message)
    STATS["generated messages"] += 1
    if is_request:
        reply = server.response(msg_id)
        assert ("result" in reply) != ("error" in reply), reply
        STATS["generated requests answered"] += 1
        STATS["... with an error"] += "error" in reply
    assert server.alive_and_answering(fresh_id())


# -- generated framing damage ---------------------------------------------------------------


def _damage(rng: random.Random, body: bytes) -> bytes:
    kind = rng.choice(["short", "long", "nan", "noblank", "garbage", "ok", "ok"])
    if kind == "short":
        return raw_frame(body, max(1, len(body) - rng.randint(1, len(body) - 1)))
    if kind == "long":
        return raw_frame(body, len(body) + rng.randint(1, 200))
    if kind == "nan":
        return raw_frame(body, rng.choice(["", "-1", "1e3", "abc", "0x10"]))
    if kind == "noblank":
        return raw_frame(body, blank=False)
    if kind == "garbage":
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 40))) + raw_frame(body)
    return raw_frame(body)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2**32), count=st.integers(1, 6))
@example(seed=12360, count=6)  # a window ending at `file:` in the next body was taken for a header
def test_generated_framing_damage_never_leaves_the_server_deaf(
    servers: Servers, seed: int, count: int
) -> None:
    """After any damage, a clean request is answered, or the server has exited non-zero."""
    server = servers.get()
    rng = random.Random(seed)
    for _ in range(count):
        body = json.dumps(hover(fresh_id())).encode()
        server.send_bytes(_damage(rng, body))
        STATS["frames sent, most of them damaged"] += 1
    probe = fresh_id()
    if server.proc.poll() is None:
        try:
            server.send(hover(probe))
        except BrokenPipeError:
            pass
    try:
        server.response(probe, timeout=15)
        STATS["clean request after damage: answered"] += 1
    except TimeoutError:
        code = server.proc.wait(15)
        assert code != 0, "it exited, and said so with a non-zero code"
        assert "cannot be read any more" in server.stderr
        STATS["clean request after damage: server had exited with 1"] += 1
    assert server.framing_errors == [], "the server's own output is always well framed"


# -- many requests nobody reads ---------------------------------------------------------------


def test_a_thousand_unread_requests_are_all_answered() -> None:
    server = RawServer()
    server.initialize()
    server.open(URI, "#include <iostream>\nvoid f() { std::cout << 1 << std::endl; }\n")
    ids = [fresh_id() for _ in range(1000)]
    server.send_bytes(b"".join(frame(hover(i, 1, 35)) for i in ids))
    started = time.monotonic()
    for i in ids:
        assert "result" in server.response(i, timeout=60)
    record(
        "lsp_server",
        "1,000 requests sent before any answer is read",
        {"answered": len(ids), "seconds to read all answers": round(time.monotonic() - started, 2)},
    )
    assert server.stop() == 0
    assert server.stderr == ""


# -- lifecycle ------------------------------------------------------------------------------


def test_requests_before_initialize_are_refused_and_exit_before_it_is_an_error() -> None:
    server = RawServer()
    assert server.call(1, "textDocument/hover", HOVER_NOWHERE)["error"]["code"] == NOT_INITIALIZED
    server.open(URI, "int main() {}\n")  # ignored: not initialized
    server.send(notification("exit"))
    assert server.exit_code() == 1


def test_initialize_twice_and_requests_after_shutdown() -> None:
    server = RawServer()
    server.initialize()
    assert server.call(2, "initialize", {"capabilities": {}})["error"]["code"] == INVALID_REQUEST
    assert server.call(3, "shutdown")["result"] is None
    assert server.call(4, "textDocument/hover", HOVER_NOWHERE)["error"]["code"] == INVALID_REQUEST
    assert server.call(5, "shutdown")["error"]["code"] == INVALID_REQUEST
    server.send(notification("exit"))
    assert server.exit_code() == 0
    assert server.stderr == ""


def test_exit_without_shutdown_is_exit_code_1() -> None:
    server = RawServer()
    server.initialize()
    server.send(notification("exit"))
    assert server.exit_code() == 1


@pytest.mark.parametrize("shutdown", [True, False])
def test_end_of_input_without_exit(shutdown: bool) -> None:
    server = RawServer()
    server.initialize()
    if shutdown:
        server.call(2, "shutdown")
    server.close_input()
    assert server.exit_code() == (0 if shutdown else 1)
