"""`se-lsp check --agent` and a remote host; `se-lsp agents`. (The rest of check --agent is
tested in tests/cli/test_agent.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fakemodel import FakeModel, Script

SOURCE = (
    "// 😀 ünïcode\n"
    "fn build(n: usize) -> Vec<usize> {\n"
    "    let mut v = Vec::new();\n"
    "    for i in 0..n { v.push(i); }\n"
    "    v\n"
    "}\n"
    "\n"
    "fn other() {}\n"
)


def reply(line: int, anchor: str) -> str:
    finding = {
        "line_start": line,
        "line_end": line,
        "anchor": anchor,
        "severity": "info",
        "category": "allocation",
        "title": "Reserve once",
        "explanation": "",
        "replacement": None,
        "impact": "",
        "measure": "cargo bench",
        "confidence": 0.6,
    }
    return json.dumps({"summary": "", "findings": [finding]})


# -- a host that is not this machine must be named ------------------------------------------

HOSTMAP = Path(__file__).parent / "hostmap"
TEST_HOST = "models.se-lsp.test"  # reserved name; the subprocess maps it to 127.0.0.1


def run_remote(
    tmp_path: Path, fake: FakeModel, *extra: str, allow_env: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SE_LSP_"))}
    env |= {
        "OPENAI_BASE_URL": f"http://{TEST_HOST}:{fake.port}/v1",
        "SE_LSP_MODEL": "fake",
        "OPENAI_API_KEY": "k",
        "SE_LSP_CACHE_DIR": str(tmp_path / "cache"),
        "NO_PROXY": "*",
        "SE_LSP_TEST_HOST": TEST_HOST,
        "PYTHONPATH": os.pathsep.join([str(HOSTMAP), *sys.path]),
    }
    if allow_env is not None:
        env["SE_LSP_ALLOW_HOSTS"] = allow_env
    return subprocess.run(
        [sys.executable, "-m", "se_lsp", "check", "--agent", "--format", "json", *extra],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


def test_check_agent_sends_nothing_to_a_host_nobody_named(tmp_path: Path) -> None:
    src = tmp_path / "lib.rs"
    src.write_text(SOURCE, encoding="utf-8")
    with FakeModel() as fake:
        fake.push(*[Script(content=reply(3, "let mut v = Vec::new();"))] * 4)
        refused = run_remote(tmp_path, fake, str(src))
        assert refused.returncode == 2, refused.stderr
        assert f"--allow-host {TEST_HOST}" in refused.stderr
        assert "SE_LSP_ALLOW_HOSTS" in refused.stderr and "Traceback" not in refused.stderr
        assert fake.connections == 0, "no connection before the host is allowed"
        allowed = run_remote(tmp_path, fake, "--allow-host", TEST_HOST, str(src))
        assert allowed.returncode == 1, allowed.stderr  # findings found
        assert len(fake.requests) == 2  # both functions, through the name mapped to loopback
        by_env = run_remote(tmp_path, fake, str(src), allow_env=f"other.test, {TEST_HOST}")
        assert by_env.returncode == 1, by_env.stderr
    records = json.loads(allowed.stdout)["findings"]
    assert [r["line"] for r in records if r["source"] == "systems-engineer"] == [3]
    assert "agent: 1 finding, 1 dropped (1 anchor not in the selection)" in allowed.stderr


def test_agents_lists_name_source_and_prompt_size(tmp_path: Path) -> None:
    (tmp_path / "cache-hawk.md").write_text("You look at caches.\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "se_lsp", "agents", "--format", "json", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    rows = {r["id"]: r for r in json.loads(proc.stdout)["agents"]}
    assert rows["cache-hawk"]["path"] == str(tmp_path / "cache-hawk.md")
    assert rows["systems-engineer"]["builtin"] is True
    assert rows["cache-hawk"]["promptTokens"] > 400  # the contract is part of every prompt
    text = subprocess.run(
        [sys.executable, "-m", "se_lsp", "agents", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "cache-hawk" in text and str(tmp_path / "cache-hawk.md") in text
