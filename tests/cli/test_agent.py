"""`se-lsp check --agent` against the loopback model server: whole functions, records,
progress, the statistics line, and exit 2 when a review could not run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cli.conftest import clean_env, run
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


def agent_run(
    se_lsp: Path, tmp_path: Path, fake: FakeModel, *extra: str
) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        OPENAI_BASE_URL=fake.base_url,
        SE_LSP_MODEL="fake",
        OPENAI_API_KEY="k",
        SE_LSP_CACHE_DIR=str(tmp_path / "cache"),
        NO_PROXY="*",
    )
    return run(se_lsp, "check", "--agent", "--format", "json", *extra, cwd=tmp_path, env=env)


def test_check_agent_reviews_each_function_and_reports_records(
    se_lsp: Path, tmp_path: Path
) -> None:
    src = tmp_path / "lib.rs"
    src.write_text(SOURCE, encoding="utf-8")
    (tmp_path / ".env").write_text("SECRET=1")  # never read: not a source file anyway
    with FakeModel() as fake:
        # Requests run concurrently, so both get the same answer; for `other` the finding
        # is outside its snippet and must be dropped.
        fake.push(*[Script(content=reply(3, "let mut v = Vec::new();"))] * 2)
        proc = agent_run(se_lsp, tmp_path, fake, str(src))
        assert len(fake.requests) == 2, proc.stderr
        prompts = sorted(r.body["messages"][1]["content"] for r in fake.requests)
        assert any("   8| fn other() {}" in p for p in prompts)
        again = agent_run(se_lsp, tmp_path, fake, str(src))
        assert len(fake.requests) == 2, "the second run is served from the disk cache"
    for p in (proc, again):
        assert p.returncode == 1, p.stderr
        records = json.loads(p.stdout)["findings"]
        agent = [r for r in records if r["source"] == "systems-engineer"]
        assert [(r["line"], r["code"]) for r in agent] == [(3, "agent/allocation")]
    assert "agent: 2/2 functions" in proc.stderr
    assert "2 model requests, 0 cache hits, 0 errors" in proc.stderr
    # A fully cached run says so instead of claiming that nothing happened.
    assert "0 model requests, 2 cache hits, 0 errors" in again.stderr


def test_check_agent_without_endpoint_is_a_usage_error(se_lsp: Path, tmp_path: Path) -> None:
    src = tmp_path / "a.go"
    src.write_text("package a\n\nfunc F() {}\n", encoding="utf-8")
    proc = run(se_lsp, "check", "--agent", str(src))
    assert proc.returncode == 2
    assert "seLsp.agent.baseUrl" in proc.stderr and "Traceback" not in proc.stderr


def test_every_request_failing_is_exit_2_with_the_reason(se_lsp: Path, tmp_path: Path) -> None:
    """The CI gate must not go green when no review happened."""
    src = tmp_path / "lib.rs"
    src.write_text(SOURCE, encoding="utf-8")
    refused = Script(status=401, error={"message": "bad key", "type": "invalid_request_error"})
    with FakeModel() as fake:
        fake.push(refused, refused)
        proc = agent_run(se_lsp, tmp_path, fake, str(src))
        assert len(fake.requests) == 2
    assert proc.returncode == 2, proc.stderr
    assert "refused the API key" in proc.stderr
    assert "the agent could not review 2 functions" in proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr


def test_one_failed_function_is_enough_for_exit_2(se_lsp: Path, tmp_path: Path) -> None:
    src = tmp_path / "lib.rs"
    src.write_text(SOURCE, encoding="utf-8")
    with FakeModel() as fake:
        # One good answer and one that is not a reply at all.
        fake.push(Script(content=reply(3, "let mut v = Vec::new();")), Script(content="sorry"))
        proc = agent_run(se_lsp, tmp_path, fake, str(src))
        assert len(fake.requests) == 2
    assert proc.returncode == 2, proc.stderr
    assert "the agent could not review 1 function " in proc.stderr
    assert f"{src}:" in proc.stderr  # the failure names where
