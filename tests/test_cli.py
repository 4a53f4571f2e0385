"""`se-lsp check` and `se-lsp rules` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CPP_BAD = '#include <iostream>\nvoid f(int n) {\n    std::cout << "é😀" << n << std::endl;\n}\n'


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "se_lsp", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def test_version():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.startswith("se-lsp ")


def test_check_text_format_like_a_compiler(tmp_path):
    src = tmp_path / "a.cpp"
    src.write_text(CPP_BAD, encoding="utf-8")
    out = run("check", str(tmp_path))
    assert out.returncode == 1
    # Columns are 1-based code points: the emoji counts once.
    line = CPP_BAD.splitlines()[2]
    col = line.index("std::endl") + 1
    assert f"{src}:3:{col}: warning cpp/avoid-endl std::endl flushes the stream" in out.stdout
    assert "Traceback" not in out.stderr


def test_check_json(tmp_path):
    (tmp_path / "a.cpp").write_text(CPP_BAD, encoding="utf-8")
    out = run("check", "--format", "json", str(tmp_path))
    data = json.loads(out.stdout)
    (f,) = [f for f in data["findings"] if f["code"] == "cpp/avoid-endl"]
    for key in (
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "severity",
        "code",
        "source",
        "title",
    ):
        assert key in f
    assert f["line"] == 3 and f["end_line"] == 3
    assert f["end_column"] - f["column"] == len("std::endl")
    assert f["source"] == "se-lsp"


def test_check_clean_file_exits_zero(tmp_path):
    (tmp_path / "ok.go").write_text("package main\n\nfunc main() {}\n", encoding="utf-8")
    out = run("check", str(tmp_path))
    assert out.returncode == 0, out.stdout + out.stderr


def test_check_sarif_is_valid(tmp_path):
    schema_path = os.environ.get("SE_LSP_SARIF_SCHEMA")
    if not schema_path or not Path(schema_path).is_file():
        pytest.skip("SE_LSP_SARIF_SCHEMA not set (.ci/run fetches the schema)")
    import jsonschema

    (tmp_path / "a.cpp").write_text(CPP_BAD, encoding="utf-8")
    out = run("check", "--format", "sarif", str(tmp_path))
    log = json.loads(out.stdout)
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    assert any(r["ruleId"] == "cpp/avoid-endl" for r in results)


def test_usage_errors_exit_2_without_traceback(tmp_path):
    missing = run("check", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert "no such file" in missing.stderr and "Traceback" not in missing.stderr
    other = tmp_path / "x.py"
    other.write_text("print(1)\n")
    wrong = run("check", str(other))
    assert wrong.returncode == 2 and "not a Rust, C++ or Go file" in wrong.stderr
    bad_flag = run("check", "--format", "xml", str(tmp_path))
    assert bad_flag.returncode == 2


def test_rules_json_lists_mirrors():
    out = run("rules", "--format", "json")
    rules = json.loads(out.stdout)["rules"]
    by_id = {r["id"]: r for r in rules}
    assert "clang-tidy:performance-avoid-endl" in by_id["cpp/avoid-endl"]["mirrors"]
    assert by_id["cpp/avoid-endl"]["fix"] is True
    for r in rules:
        assert set(r) >= {"id", "language", "title", "severity", "fix", "mirrors"}


def test_project_file_turns_rules_off_and_excludes(tmp_path):
    (tmp_path / "a.cpp").write_text(CPP_BAD, encoding="utf-8")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "b.cpp").write_text(CPP_BAD, encoding="utf-8")
    (tmp_path / ".se-lsp.yaml").write_text("exclude: ['vendor/']\nrules:\n  cpp/avoid-endl: info\n")
    out = run("check", "--format", "json", str(tmp_path))
    findings = json.loads(out.stdout)["findings"]
    assert {Path(f["path"]).name for f in findings} == {"a.cpp"}
    assert all(f["severity"] == "info" for f in findings if f["code"] == "cpp/avoid-endl")
    (tmp_path / ".se-lsp.yaml").write_text("rules:\n  cpp/avoid-endl: off\n")
    out = run("check", "--format", "json", str(tmp_path))
    assert not [f for f in json.loads(out.stdout)["findings"] if f["code"] == "cpp/avoid-endl"]


def test_invalid_project_file_names_the_key_and_keeps_going(tmp_path):
    (tmp_path / "a.cpp").write_text(CPP_BAD, encoding="utf-8")
    (tmp_path / ".se-lsp.yaml").write_text(
        "rules:\n  cpp/avoid-endl: loud\nbaseUrl: http://127.0.0.1:9\n"
    )
    out = run("check", "--format", "json", str(tmp_path))
    assert out.returncode == 1
    assert "rules.cpp/avoid-endl" in out.stderr and ".se-lsp.yaml" in out.stderr
    assert "baseUrl" in out.stderr and "ignored" in out.stderr
    assert json.loads(out.stdout)["findings"]


def test_a_closed_pipe_ends_quietly(tmp_path):
    for i in range(200):
        (tmp_path / f"f{i}.cpp").write_text(CPP_BAD, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "se_lsp", "check", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err
