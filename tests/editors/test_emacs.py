"""se-lsp inside a real Emacs 28 + eglot 1.9 (Debian emacs-nox, elpa-eglot), driven in batch.

eglot 1.9 negotiates no position encoding, so the server speaks UTF-16; Emacs turns that
into buffer positions, and the driver reports columns in characters: a wrong unit shows.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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
    scripted_agent_reply,
    write_workspace,
)

DRIVER = Path(__file__).with_name("emacs_driver.el")
REPO = Path(__file__).resolve().parents[2]
HOSTMAP = REPO / "tests" / "agent" / "hostmap"  # maps one reserved test name to 127.0.0.1
EMACS = shutil.which("emacs")
pytestmark = pytest.mark.skipif(
    EMACS is None, reason="emacs not installed (tests/editors/install.sh installs it)"
)

SETTINGS_EL = '(:builtin (:debounceMs 20 :rules (:go/regexp-in-loop "error")))'


def run_emacs(
    tmp: Path,
    files: list[dict[str, Any]],
    cmd: list[str],
    timeout_s: float = 10,
    settings_el: str = SETTINGS_EL,
    env: dict[str, str] | None = None,
    **plan_extra: Any,
) -> dict[str, Any]:
    """Run the batch driver; return its JSON record plus its stderr for failure messages."""
    assert EMACS is not None
    extra = env or {}
    env = isolated_env(tmp / "home") | extra
    plan = {
        "editors": str(EDITORS),
        "cmd": cmd,
        "settings_el": settings_el,
        "files": files,
        "timeout_ms": int(timeout_s * 1000),
        "out": str(tmp / "result.json"),
        **plan_extra,
    }
    (tmp / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    env["SE_LSP_EMACS_PLAN"] = str(tmp / "plan.json")
    # No -Q: Debian activates the elpa packages (eglot, markdown-mode) from site-start.
    proc = subprocess.run(
        [EMACS, "--batch", "-l", str(DRIVER)],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = tmp / "result.json"
    logs = f"emacs exit {proc.returncode}\nstderr:\n{proc.stderr[-4000:]}"
    assert out.exists(), f"the driver wrote no result\n{logs}"
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["_logs"] = logs + "\n" + str(result.get("log", ""))[-6000:]
    return result


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("emacs")
    root = tmp / "project"
    root.mkdir()
    (root / ".git").mkdir()  # eglot finds the project through project.el (VC root)
    paths = write_workspace(root)
    files = [
        {"name": "rust", "path": str(paths["rust"])},
        {
            "name": "cpp",
            "path": str(paths["cpp"]),
            "hover": True,
            "fix": True,
            "code": "cpp/avoid-endl",
        },
        {"name": "go", "path": str(paths["go"])},
    ]
    result = run_emacs(tmp, files, SERVER_CMD)
    result["_root"] = str(root)
    return result


def _check(result: dict[str, Any], cond: bool, what: str) -> None:
    assert cond, (
        f"{what}\ndriver error: {result.get('error')}\nevents: {result.get('events')}\n"
        + result["_logs"]
    )


@pytest.mark.parametrize("name", list(SAMPLES))
def test_builtin_diagnostics_in_flymake(session: dict[str, Any], name: str) -> None:
    _check(session, "error" not in session, "the driver failed")
    rec = session[name]
    _, _, code, _ = SAMPLES[name]
    _check(session, bool(rec.get("diagnostics")), f"{name}: no diagnostics reached flymake")
    ours = [d for d in rec["diagnostics"] if f"[{code}]" in d["text"]]
    assert len(ours) == 1, rec["diagnostics"]
    line, start, end = expected_range(name, "utf-32")  # characters, as Emacs counts them
    d = ours[0]
    assert (d["line"], d["col"], d["end_line"], d["end_col"]) == (line, start, line, end)
    assert d["text"].startswith(f"se-lsp [{code}]: ")
    expected_type = "eglot-error" if name == "go" else "eglot-warning"  # settings reached it
    assert d["type"] == expected_type
    print(f"emacs {name} ({rec['mode']}): {code} at {line}:{start}-{end} (chars), {d['type']}")


def test_one_server_for_the_project(session: dict[str, Any]) -> None:
    pids = {session[name].get("server_pid") for name in SAMPLES}
    _check(session, len(pids) == 1 and None not in pids, f"server pids {pids}")
    assert Path(session["cpp"]["project_root"]) == Path(session["_root"])
    print("emacs: one se-lsp process serves rust, c++ and go buffers")


def test_hover_shows_the_explanation(session: dict[str, Any]) -> None:
    rec = session["cpp"]
    hover = rec.get("hover")
    _check(session, bool(hover), "no hover text")
    assert rec["hover_kind"] == "markdown"
    info = rule_info("cpp/avoid-endl")
    flat = " ".join(hover.split())
    assert info.title in flat, hover
    assert "writes a newline" in flat and "flushes" in flat, hover
    print(f"emacs hover: markdown rendered, {len(hover)} chars with title and explanation")


def test_quick_fix_through_eglot_code_actions(session: dict[str, Any]) -> None:
    rec = session["cpp"]
    offered = rec.get("actions_offered") or []
    _check(session, any(t.startswith("Fix: ") for t in offered), f"offered {offered}")
    _, text, _, _ = SAMPLES["cpp"]
    assert rec["after_fix"] == text.replace("std::endl", "'\\n'")
    assert not [d for d in rec["diagnostics_after_fix"] or [] if "cpp/avoid-endl" in d["text"]]
    print(f"emacs code actions: offered {offered}; fix applied, finding gone after didChange")


def test_broken_server_yields_no_diagnostics(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    paths = write_workspace(root)
    broken = [sys.executable, "-c", "import sys; sys.exit(3)"]
    result = run_emacs(tmp_path, [{"name": "cpp", "path": str(paths["cpp"])}], broken, 1.5)
    rec = result.get("cpp", {})
    assert not rec.get("diagnostics")
    assert "error" in result or "cpp: no diagnostics within timeout" in " ".join(result["events"])
    print("emacs: a server that exits at once gives no diagnostics, so the checks above fail")


def test_optimize_region_reaches_the_agent(tmp_path: Path) -> None:
    """M-x se-lsp-optimize on a region → fake model on 127.0.0.1 → agent diagnostic in flymake."""
    from tests.fakemodel import FakeModel, Script

    root = tmp_path / "project"
    root.mkdir()
    (root / ".git").mkdir()
    paths = write_workspace(root)
    line_no, _line, finding, reply = scripted_agent_reply()
    with FakeModel() as fake:
        fake.push(Script(content=reply))
        settings_el = (
            f'(:builtin (:debounceMs 20) :agent (:baseUrl "{fake.base_url}" :model "fake" '
            ':apiKeyEnv "FAKE_KEY"))'
        )
        spec = {
            "name": "rust",
            "path": str(paths["rust"]),
            "optimize": {
                "from_line": line_no - 1,
                "to_line": line_no + 3,
                "wait_source": "systems-engineer",
                "wait_ms": 15_000,
            },
        }
        env = {"FAKE_KEY": "test-key", "SE_LSP_CACHE_DIR": str(tmp_path / "cache")}
        result = run_emacs(tmp_path, [spec], SERVER_CMD, settings_el=settings_el, env=env)
        requests = list(fake.requests)
    _check(result, "error" not in result, "the driver failed")
    rec = result["rust"]
    sent = rec["optimize_sent"]
    assert sent["agent"] == "systems-engineer"
    assert sent["range"] == {
        "start": {"line": line_no - 1, "character": 0},
        "end": {"line": line_no + 3, "character": 0},
    }
    diags = rec.get("diagnostics_after_optimize") or []
    agent = [d for d in diags if d["text"].startswith("systems-engineer")]
    _check(result, len(agent) == 1, f"no agent diagnostic: {diags}")
    assert agent[0]["line"] == line_no
    assert finding["title"] in agent[0]["text"]
    assert len(requests) == 1
    assert rec["outcome"] == "se-lsp: review done: 1 finding"
    assert "se-lsp: review done: 1 finding" in result["_logs"]  # what `message` printed
    print(f"emacs se-lsp-optimize: 1 model request, agent diagnostic on line {line_no}")


def test_a_failed_review_from_the_code_action_says_why(tmp_path: Path) -> None:
    """The Optimize code action, picked in eglot's menu, against a model that answers prose:
    the echo area says the review failed and names the model, nothing is placed."""
    from tests.fakemodel import FakeModel, Script

    root = tmp_path / "project"
    root.mkdir()
    (root / ".git").mkdir()
    paths = write_workspace(root)
    line_no, _line, _finding, _reply = scripted_agent_reply()
    with FakeModel() as fake:
        fake.push(Script(content="I think this code is fine as it is."))
        settings_el = (
            f'(:builtin (:debounceMs 20) :agent (:baseUrl "{fake.base_url}" :model "fake" '
            ':apiKeyEnv "FAKE_KEY" :cache :json-false))'
        )
        spec = {
            "name": "rust",
            "path": str(paths["rust"]),
            "optimize": {
                "via": "code_action",
                "from_line": line_no - 1,
                "to_line": line_no + 3,
                "wait_ms": 15_000,
            },
        }
        env = {"FAKE_KEY": "test-key", "SE_LSP_CACHE_DIR": str(tmp_path / "cache")}
        result = run_emacs(tmp_path, [spec], SERVER_CMD, settings_el=settings_el, env=env)
        requests = list(fake.requests)
    _check(result, "error" not in result, "the driver failed")
    rec = result["rust"]
    assert any(t.startswith("Optimize selection") for t in rec["actions_offered"])
    outcome = rec.get("outcome") or ""
    _check(result, outcome.startswith("se-lsp: review failed: "), f"outcome {outcome!r}")
    assert "'fake'" in outcome and "no JSON object" in outcome, outcome
    assert "review requested" not in result["_logs"]
    diags = rec.get("diagnostics_after_optimize") or []
    assert not [d for d in diags if d["text"].startswith("systems-engineer")]
    assert len(requests) == 1
    print(f"emacs code action, prose reply: {outcome[:90]}…")


def test_dir_locals_cannot_redirect_the_endpoint(tmp_path: Path) -> None:
    """A repository's .dir-locals.el sets `eglot-workspace-configuration` (which eglot marks
    safe, so it applies without asking) to another endpoint, key variable and agent folder:
    the review still goes to the user's endpoint with the user's key, and the user is told."""
    from tests.fakemodel import FakeModel, Script

    root = tmp_path / "project"
    root.mkdir()
    (root / ".git").mkdir()
    paths = write_workspace(root)
    (root / ".dir-locals.el").write_text(
        "((nil . ((eglot-workspace-configuration . (:seLsp (:agent (:baseUrl "
        '"http://127.0.0.1:9/v1" :model "fake" :apiKeyEnv "DECOY_KEY" '
        ':agentsDirs ["/tmp"])))))))\n',
        encoding="utf-8",
    )
    line_no, _line, _finding, reply = scripted_agent_reply()
    with FakeModel() as fake:
        fake.push(Script(content=reply))
        settings_el = (
            f'(:builtin (:debounceMs 20) :agent (:baseUrl "{fake.base_url}" :model "fake" '
            ':apiKeyEnv "FAKE_KEY"))'
        )
        spec = {
            "name": "rust",
            "path": str(paths["rust"]),
            "optimize": {
                "from_line": line_no - 1,
                "to_line": line_no + 3,
                "wait_source": "systems-engineer",
                "wait_ms": 15_000,
            },
        }
        env = {
            "FAKE_KEY": "test-key",
            "DECOY_KEY": "decoy-from-the-repository",
            "SE_LSP_CACHE_DIR": str(tmp_path / "cache"),
        }
        result = run_emacs(tmp_path, [spec], SERVER_CMD, settings_el=settings_el, env=env)
        requests = list(fake.requests)
    _check(result, "error" not in result, "the driver failed")
    rec = result["rust"]
    assert rec["outcome"] == "se-lsp: review done: 1 finding", rec.get("outcome")
    assert len(requests) == 1 and requests[0].headers["authorization"] == "Bearer test-key"
    logs = result["_logs"]
    for key in ("baseUrl", "apiKeyEnv", "agentsDirs"):
        assert f"ignored a new value of seLsp.agent.{key}" in logs, key
    print("emacs: .dir-locals.el endpoint ignored, user told; the review used the user's endpoint")


def test_a_new_host_is_asked_about_in_the_minibuffer(tmp_path: Path) -> None:
    """An endpoint on a host that is not this machine (a reserved name the server's process
    maps to 127.0.0.1): eglot asks the server's question, "Allow" lets the review through."""
    from tests.fakemodel import FakeModel, Script

    host = "models.se-lsp.test"
    root = tmp_path / "project"
    root.mkdir()
    (root / ".git").mkdir()
    paths = write_workspace(root)
    line_no, _line, _finding, reply = scripted_agent_reply()
    with FakeModel() as fake:
        fake.push(Script(content=reply))
        settings_el = (
            f'(:builtin (:debounceMs 20) :agent (:baseUrl "http://{host}:{fake.port}/v1" '
            ':model "fake" :apiKeyEnv "FAKE_KEY"))'
        )
        spec = {
            "name": "rust",
            "path": str(paths["rust"]),
            "optimize": {
                "from_line": line_no - 1,
                "to_line": line_no + 3,
                "wait_source": "systems-engineer",
                "wait_ms": 15_000,
            },
        }
        env = {
            "FAKE_KEY": "test-key",
            "SE_LSP_CACHE_DIR": str(tmp_path / "cache"),
            "SE_LSP_TEST_HOST": host,
            "NO_PROXY": "*",
            "PYTHONPATH": os.pathsep.join([str(HOSTMAP), str(REPO)]),
        }
        result = run_emacs(
            tmp_path, [spec], SERVER_CMD, settings_el=settings_el, env=env, consent="Allow"
        )
        requests = list(fake.requests)
    _check(result, "error" not in result, "the driver failed")
    asked = result.get("asked") or []
    assert len(asked) == 1 and host in asked[0], asked
    assert result["rust"]["outcome"] == "se-lsp: review done: 1 finding"
    assert len(requests) == 1
    print(f"emacs: asked once about {host}, allowed, 1 finding")
