"""Settings over LSP as clients send them: warnings once, in the user's own key names."""

from __future__ import annotations

import time
from pathlib import Path

from tests.lsp.rawclient import INIT, RawServer

CPP = "#include <iostream>\nvoid f() { std::cout << 1 << std::endl; }\n"


def with_options(options: object, root: Path | None = None, configuration: bool = True) -> dict:
    params = {**INIT, "initializationOptions": options}
    caps = dict(INIT["capabilities"])
    if configuration:
        caps["workspace"] = {"configuration": True}
    params["capabilities"] = caps
    if root is not None:
        params["rootUri"] = root.as_uri()
    return params


def settle(server: RawServer, seconds: float = 1.5) -> None:
    time.sleep(seconds)


def test_an_invalid_value_is_reported_once_in_the_users_words() -> None:
    bad = {
        "seLsp": {
            "agent": {"baseUrl": 5, "timeoutSeconds": -1},
            "builtin": [],
            "limits": {"maxSelectionLine": 10},
        }
    }
    server = RawServer()
    server.configuration = bad["seLsp"]  # the same settings again when asked
    server.initialize(with_options(bad))
    server.open("file:///s/a.cpp", CPP)
    server.diagnostics("file:///s/a.cpp", 1)
    settle(server)
    shown = server.messages()
    assert len(shown) == 3, shown
    assert any("'seLsp.agent.baseUrl' is 5" in m for m in shown), shown
    assert any("'seLsp.agent.timeoutSeconds' is -1" in m for m in shown), shown
    assert any(
        "'seLsp.limits.maxSelectionLine'" in m and "maxSelectionLines" in m for m in shown
    ), shown
    for m in shown:
        assert "literal[" not in m and "loc" not in m and "pydantic" not in m, m
    assert server.stop() == 0


def test_empty_tables_as_neovim_sends_them_are_not_warned_about() -> None:
    server = RawServer()
    server.configuration = []
    server.initialize(with_options({"seLsp": []}))
    server.open("file:///s/a.cpp", CPP)
    assert server.diagnostics("file:///s/a.cpp", 1), "the defaults apply"
    settle(server)
    assert server.messages() == []
    assert server.stop() == 0
    assert server.stderr == ""


def test_unknown_rule_ids_in_the_project_file_are_named_in_one_warning(tmp_path: Path) -> None:
    (tmp_path / ".se-lsp.yaml").write_text(
        "rules:\n  cpp/avoid-endll: off\n  go/no-such-rule: error\n  cpp/avoid-endl: hint\n",
        encoding="utf-8",
    )
    server = RawServer()
    server.initialize(with_options(None, root=tmp_path, configuration=False))
    uri = (tmp_path / "a.cpp").as_uri()
    server.open(uri, CPP)
    diags = server.diagnostics(uri, 1)
    assert [d["severity"] for d in diags if d["code"] == "cpp/avoid-endl"] == [4]  # hint
    settle(server)
    shown = [m for m in server.messages() if "unknown rule" in m]
    assert len(shown) == 1, server.messages()
    assert "cpp/avoid-endll (did you mean cpp/avoid-endl?)" in shown[0]
    assert "go/no-such-rule" in shown[0] and ".se-lsp.yaml" in shown[0]
    server.open((tmp_path / "b.cpp").as_uri(), CPP)  # another analysis: no second warning
    server.diagnostics((tmp_path / "b.cpp").as_uri(), 1)
    assert len([m for m in server.messages() if "unknown rule" in m]) == 1
    assert server.stop() == 0


def test_quiet_by_default_and_a_debug_log_file_when_asked(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "se-lsp.log"
    server = RawServer()
    server.initialize(with_options({"seLsp": {"logFile": str(log)}}, configuration=False))
    server.open("file:///s/a.cpp", CPP)
    server.diagnostics("file:///s/a.cpp", 1)
    server.call(
        "h1",
        "textDocument/hover",
        {"textDocument": {"uri": "file:///s/a.cpp"}, "position": {"line": 1, "character": 0}},
    )
    assert server.stop() == 0
    assert server.stderr == "", server.stderr
    text = log.read_text(encoding="utf-8")
    assert "DEBUG" in text and "Sending data" in text, text[:2000]
    assert max(len(line) for line in text.splitlines()) < 4200, "long records are cut"


def test_a_verbose_trace_goes_to_the_client_not_to_stderr() -> None:
    server = RawServer()
    server.initialize()
    server.send({"jsonrpc": "2.0", "method": "$/setTrace", "params": {"value": "verbose"}})
    server.call(
        "t1",
        "textDocument/hover",
        {"textDocument": {"uri": "file:///s/none.cpp"}, "position": {"line": 0, "character": 0}},
    )
    trace = server.wait_for(lambda m: m["method"] == "$/logTrace", timeout=10)
    assert "Sending data" in trace["params"]["message"]
    server.send({"jsonrpc": "2.0", "method": "$/setTrace", "params": {"value": "off"}})
    server.call(
        "t2",
        "textDocument/hover",
        {"textDocument": {"uri": "file:///s/none.cpp"}, "position": {"line": 0, "character": 0}},
    )
    time.sleep(0.3)
    count = len([m for m in server.notifications if m["method"] == "$/logTrace"])
    server.call(
        "t3",
        "textDocument/hover",
        {"textDocument": {"uri": "file:///s/none.cpp"}, "position": {"line": 0, "character": 0}},
    )
    time.sleep(0.3)
    assert len([m for m in server.notifications if m["method"] == "$/logTrace"]) == count
    assert server.stop() == 0
    assert server.stderr == ""
