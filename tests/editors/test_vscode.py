"""VS Code end to end: the packaged extension in code-server, driven by headless Chromium.

`editors/vscode/test/e2e.sh` installs what is missing, packages and installs the .vsix and
lets the extension's test mode check diagnostics, hover and the quick fix through VS Code's
own API. This test runs the script and checks the JSON it leaves, independently of the
checks the extension made itself.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from se_lsp.rules import rule_info

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "editors" / "vscode" / "test" / "e2e.sh"
CACHE = Path(os.environ.get("SE_LSP_CACHE", Path.home() / ".cache" / "se-lsp-ci"))
CODE_SERVER = CACHE / "code-server-4.100.3" / "node_modules" / ".bin" / "code-server"
RULE = "cpp/avoid-endl"
TOKEN = "std::endl"
# The agent's scripted finding: on `return 0;` of the C++ file e2e.sh writes (0-based line 5),
# a line the quick fix leaves alone.
AGENT_LINE = 5
AGENT_FINDING = {
    "line_start": AGENT_LINE + 1,  # the model sees 1-based line numbers
    "line_end": AGENT_LINE + 1,
    "anchor": "return 0;",
    "severity": "warning",
    "category": "io",
    "title": "Output is flushed at exit anyway; ünïcödé title 🦀",
    "explanation": "A scripted finding from the loopback model.",
    "replacement": None,
    "impact": "none",
    "measure": "strace -c",
    "confidence": 0.9,
}


def _fakemodel() -> Any:
    """tests/fakemodel.py (another engineer's loopback model server), if it is there."""
    try:
        return importlib.import_module("tests.fakemodel")
    except ImportError:
        return None


def _required() -> bool:
    return bool(os.environ.get("SE_LSP_E2E_VSCODE"))


def _run_e2e(tmp: Path, *flags: str) -> dict[str, Any]:
    """Run e2e.sh (with the loopback model when there is one) and return its JSON result."""
    if not _required() and not CODE_SERVER.exists():
        pytest.skip(
            f"code-server is not installed in {CODE_SERVER.parents[2]} and SE_LSP_E2E_VSCODE "
            "is unset; run editors/vscode/test/e2e.sh once, or set SE_LSP_E2E_VSCODE=1"
        )
    for tool in ("bash", "node", "npm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed for the VS Code end-to-end test")
    out = tmp / "result.json"
    env = dict(os.environ)
    # The script starts the server with the `python` on PATH: make that this interpreter.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    with contextlib.ExitStack() as stack:
        requests: list[Any] | None = None
        fakemodel = _fakemodel()
        if fakemodel is not None:  # the loopback model is optional
            fake = stack.enter_context(fakemodel.FakeModel())
            reply = {"findings": [AGENT_FINDING], "summary": "Scripted."}
            fake.push(
                fakemodel.Script(content=json.dumps(reply, ensure_ascii=False)),
                # The second review (other code) gets prose: the status bar must show an error.
                fakemodel.Script(content="This code looks fine to me."),
            )
            env["SE_LSP_E2E_MODEL_URL"] = fake.base_url
            requests = fake.requests
        proc = subprocess.run(
            ["bash", str(SCRIPT), *flags, str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        requests = list(requests) if requests is not None else None
    if not out.exists():
        pytest.fail(
            f"e2e.sh exited {proc.returncode} without a result\n"
            f"--- stderr (tail) ---\n{proc.stderr[-4000:]}"
        )
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["_returncode"] = proc.returncode
    result["_model_requests"] = requests
    result["_stderr"] = proc.stderr[-4000:]
    return result


@pytest.fixture(scope="module")
def vscode_result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A fresh profile with only the .vsix: no server setting, no se-lsp on PATH."""
    return _run_e2e(tmp_path_factory.mktemp("vscode"), "--bundled")


@pytest.fixture(scope="module")
def vscode_untrusted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run_e2e(tmp_path_factory.mktemp("vscode-untrusted"), "--untrusted")


def test_extension_checks_all_passed(vscode_result: dict[str, Any]) -> None:
    failed = {k: v for k, v in vscode_result["checks"].items() if not v["ok"]}
    assert failed == {}, vscode_result.get("error")
    assert set(vscode_result["checks"]) >= {
        "serverRunning",
        "diagnostic",
        "hover",
        "codeAction",
        "applyFix",
        "diagnosticCleared",
        "noSettingsWarnings",
        "trust",
        "agentActionOffered",
    }
    assert vscode_result["ok"] is True
    assert vscode_result["_returncode"] == 0, vscode_result["_stderr"]
    assert vscode_result["vscodeVersion"].startswith("1.100.")
    assert vscode_result["languageId"] == "cpp"
    assert vscode_result["checks"]["trust"]["detail"]["isTrusted"] is True
    titles = vscode_result["checks"]["agentActionOffered"]["detail"]
    assert any(t.startswith("Optimize selection") for t in titles), titles


def test_only_the_vsix_installed_gives_diagnostics_in_a_rust_file(
    vscode_result: dict[str, Any], tmp_path: Path
) -> None:
    """The extension started the server it carries with the system's python3 from PATH."""
    path_dirs = [Path(d) for d in vscode_result["path"].split(os.pathsep) if d]
    # Checked here, independently of e2e.sh: nothing on the editor's PATH is se-lsp.
    assert not [d for d in path_dirs if (d / "se-lsp").exists()], path_dirs
    python3 = shutil.which("python3", path=os.pathsep.join(map(str, path_dirs)))
    assert python3 is not None
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    probe = subprocess.run(
        [python3, "-c", "import se_lsp"], capture_output=True, env=env, cwd=tmp_path
    )
    assert probe.returncode != 0, f"{python3} has se-lsp installed: the test proves nothing"

    server = vscode_result["server"]
    command = server["command"]
    assert command["source"].startswith("bundled server, python3 on PATH"), server
    assert command["command"] == python3
    assert command["args"][0] == "-I"
    bundled = Path(command["args"][1])
    assert bundled.name == "server.py" and bundled.parent.parent.name == "bundled"
    assert REPO not in bundled.parents, "the server must come from the installed extension"
    assert "se-lsp on PATH: not found" not in server["tried"]  # found before falling back

    rust = vscode_result["checks"]["rustDiagnostic"]
    assert rust["ok"], rust
    assert rust["detail"]["languageId"] == "rust"
    codes = {d["code"] for d in rust["detail"]["diagnostics"]}
    assert "rust/regex-in-loop" in codes, codes
    (regex,) = [d for d in rust["detail"]["diagnostics"] if d["code"] == "rust/regex-in-loop"]
    line = regex["lineText"]
    token = 'regex::Regex::new("^[0-9]+")'
    start = len(line[: line.index(token)].encode("utf-16-le")) // 2
    assert regex["range"]["start"]["character"] == start


def test_the_vsix_holds_the_bundle_and_the_server_and_nothing_else(
    vscode_result: dict[str, Any],
) -> None:
    """What .vscodeignore lets through: the esbuild bundle, the server and its libraries."""
    import zipfile

    vsix = REPO / "editors" / "vscode" / "se-lsp-e2e.vsix"
    assert vsix.is_file(), "e2e.sh leaves the .vsix it installed"
    with zipfile.ZipFile(vsix) as z:
        names = [n.removeprefix("extension/") for n in z.namelist() if n.startswith("extension/")]
        manifest = json.loads(z.read("extension/bundled/manifest.json"))
    top = {n.split("/", 1)[0] for n in names}
    assert top == {"package.json", "readme.md", "LICENSE.txt", "dist", "bundled"}, top
    assert "dist/extension.js" in names
    assert {"bundled/tool/server.py", "bundled/libs/se_lsp/cli.py"} <= set(names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # One compiled pydantic-core per CPython version the manifest promises.
    for version in manifest["pythons"]:
        tag = f"cpython-{version.replace('.', '')}-"
        assert [n for n in names if n.startswith("bundled/libs/pydantic_core/") and tag in n], tag
    size_mb = vsix.stat().st_size / 1e6
    print(f"vsix: {size_mb:.1f} MB, {len(names)} files, CPython {manifest['pythons']}")
    assert size_mb < 30


def test_diagnostic_range_in_utf16_after_non_ascii(vscode_result: dict[str, Any]) -> None:
    before: str = vscode_result["checks"]["applyFix"]["detail"]["before"]
    assert any(ord(c) > 0xFFFF for c in before[: before.index(TOKEN)]), "needs an astral char"
    prefix = before[: before.index(TOKEN)]
    utf16_col = len(prefix.encode("utf-16-le")) // 2
    assert utf16_col != len(prefix)  # the test line tells code points and UTF-16 apart
    diag = vscode_result["checks"]["diagnostic"]["detail"]
    assert diag["code"] == RULE
    # e2e.sh sets this rule to "error" in the user settings: 0 is VS Code's Error.
    assert diag["severity"] == 0
    rng = diag["range"]
    assert rng["start"]["character"] == utf16_col
    assert rng["end"]["character"] == utf16_col + len(TOKEN)
    assert (
        rng["start"]["line"]
        == rng["end"]["line"]
        == vscode_result["expectedRange"]["start"]["line"]
    )


def test_hover_shows_the_rule_explanation(vscode_result: dict[str, Any]) -> None:
    info = rule_info(RULE)
    assert info is not None
    hover: str = vscode_result["checks"]["hover"]["detail"]
    first_line = info.explanation.strip().splitlines()[0]
    assert first_line in hover
    assert RULE in hover


def test_quick_fix_replaces_endl(vscode_result: dict[str, Any]) -> None:
    titles: list[str] = vscode_result["checks"]["codeAction"]["detail"]
    assert any(t.startswith("Fix: ") for t in titles), titles
    detail = vscode_result["checks"]["applyFix"]["detail"]
    assert detail["applied"] is True
    assert TOKEN in detail["before"]
    assert detail["after"] == detail["before"].replace(TOKEN, "'\\n'")


def test_optimize_selection_shows_the_agent_finding(vscode_result: dict[str, Any]) -> None:
    """Palette command → server command → loopback model → agent diagnostic, status bar busy."""
    requests = vscode_result["_model_requests"]
    if requests is None:
        pytest.skip("tests/fakemodel.py (the loopback model server) is not available")
    check = vscode_result["checks"].get("optimize")
    assert check is not None, "the extension did not run the Optimize check"
    detail = check["detail"]
    assert check["ok"], detail
    diag = detail["diagnostic"]
    assert diag["source"] == "systems-engineer"
    assert AGENT_FINDING["title"] in diag["message"]
    assert diag["range"]["start"]["line"] == AGENT_LINE
    assert diag["lineText"].strip() == "return 0;"
    assert "analyzing" in detail["states"] and detail["states"][-1] == "idle"
    assert len(requests) == 2 and requests[0].path.endswith("/chat/completions")
    prompt = "\n".join(str(m.get("content")) for m in requests[0].body["messages"])
    assert "ünïcödé 🦀" in prompt  # the selected code reached the model intact
    assert requests[0].body.get("model") == "e2e-model"  # seLsp.agent.model from the settings


def test_restricted_mode_keeps_built_in_rules_and_turns_the_agent_off(
    vscode_untrusted: dict[str, Any],
) -> None:
    """An untrusted folder: diagnostics and quick fix still work; nothing reaches a model."""
    checks = vscode_untrusted["checks"]
    failed = {k: v for k, v in checks.items() if not v["ok"]}
    assert failed == {}, vscode_untrusted.get("error")
    assert checks["trust"]["detail"]["isTrusted"] is False
    assert checks["diagnostic"]["detail"]["code"] == RULE
    assert checks["applyFix"]["detail"]["applied"] is True
    # The server was told agent.enable=false: it offers no "Optimize selection" action.
    titles = checks["agentActionOffered"]["detail"]
    assert not any(t.startswith("Optimize selection") for t in titles), titles
    restricted = checks["restricted"]["detail"]
    assert restricted["states"][-1] == "restricted"
    assert restricted["agentDiagnostics"] == []
    if vscode_untrusted["_model_requests"] is not None:
        assert vscode_untrusted["_model_requests"] == []  # Optimize Selection sent nothing
    assert vscode_untrusted["_returncode"] == 0, vscode_untrusted["_stderr"]


def test_a_failed_review_leaves_the_status_bar_in_the_error_state(
    vscode_result: dict[str, Any],
) -> None:
    """A review the model answers with prose: the status bar ends in the error state and its
    tooltip says why, naming the model."""
    if vscode_result["_model_requests"] is None:
        pytest.skip("tests/fakemodel.py (the loopback model server) is not available")
    check = vscode_result["checks"]["optimizeFails"]
    assert check["ok"], check["detail"]
    detail = check["detail"]
    assert detail["states"][-1] == "error"
    assert "$(error)" in detail["status"]["text"]
    tooltip = detail["status"]["tooltip"]
    assert "Last review failed" in tooltip and "'e2e-model'" in tooltip, tooltip
    assert "no JSON object" in tooltip


def test_a_workspace_cannot_redirect_code_or_run_a_program(vscode_result: dict[str, Any]) -> None:
    """.vscode/settings.json sets the endpoint, key variable, local-only, agent folders and
    the server command: none takes effect, and the user is told once per key and file."""
    check = vscode_result["checks"]["workspaceSettings"]
    detail = check["detail"]
    assert check["ok"], detail
    keys = [
        "server.path",
        "server.args",
        "agent.baseUrl",
        "agent.apiKeyEnv",
        "agent.localOnly",
        "agent.agentsDirs",
    ]
    for key in keys:
        notices = [n for n in detail["notices"] if f"seLsp.{key} in " in n]
        assert len(notices) == 1, (key, detail["notices"])
        assert notices[0].split(" in ", 1)[1].split(":", 1)[0].endswith(".vscode/settings.json")
    # VS Code itself does not apply the workspace's values ("scope": "machine") ...
    applied = detail["applied"]
    assert applied["agent.baseUrl"] != "http://127.0.0.1:9/v1"
    assert applied["agent.apiKeyEnv"] != "SE_LSP_E2E_WORKSPACE_KEY"
    assert applied["server.args"] == [] and not applied["agent.agentsDirs"]
    assert not applied["server.path"].endswith("ws-server.sh")
    # ... and neither does what the extension sends the server.
    agent = detail["sent"]["agent"]
    assert agent.get("baseUrl") == applied["agent.baseUrl"]
    assert agent.get("apiKeyEnv") != "SE_LSP_E2E_WORKSPACE_KEY"
    assert agent.get("localOnly") == applied["agent.localOnly"]
    if vscode_result["_model_requests"] is not None:
        assert agent.get("localOnly") is True  # e2e.sh's user settings say so
    assert not agent.get("agentsDirs")
    assert detail["serverRanFromWorkspace"] is False
    assert not any("workspace-agent" in t for t in detail["titles"])
    requests = vscode_result["_model_requests"]
    if requests is not None:
        for request in requests:  # the user's endpoint, without the workspace's key
            assert request.headers.get("authorization") != "Bearer decoy-key-from-the-workspace"
