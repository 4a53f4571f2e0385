"""`se-lsp check` and `se-lsp rules` as a user runs them: the installed command, its output
formats, counts, exit codes and usage errors."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import clean_env, run

CPP_BAD = '#include <iostream>\nvoid f(int n) {\n    std::cout << "é😀" << n << std::endl;\n}\n'
GO_CLEAN = "package main\n\nfunc main() {}\n"


def findings(out: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(out.stdout)["findings"]
    return data


def test_version(se_lsp: Path) -> None:
    out = run(se_lsp, "--version")
    assert out.returncode == 0 and out.stdout.startswith("se-lsp ")


def test_check_text_format_like_a_compiler(se_lsp: Path, tmp_path: Path) -> None:
    src = tmp_path / "a.cpp"
    src.write_text(CPP_BAD, encoding="utf-8")
    out = run(se_lsp, "check", str(tmp_path))
    assert out.returncode == 1
    # Columns are 1-based code points: the emoji counts once.
    line = CPP_BAD.splitlines()[2]
    col = line.index("std::endl") + 1
    assert f"{src}:3:{col}: warning cpp/avoid-endl std::endl flushes the stream" in out.stdout
    assert "Traceback" not in out.stderr


def test_check_json(se_lsp: Path, tmp_path: Path) -> None:
    (tmp_path / "a.cpp").write_text(CPP_BAD, encoding="utf-8")
    out = run(se_lsp, "check", "--format", "json", str(tmp_path))
    (f,) = [f for f in findings(out) if f["code"] == "cpp/avoid-endl"]
    for key in ("path", "line", "column", "end_line", "end_column", "severity", "code"):
        assert key in f
    assert f["line"] == 3 and f["end_line"] == 3
    assert f["end_column"] - f["column"] == len("std::endl")  # type: ignore[operator]
    assert f["source"] == "se-lsp"


def test_check_clean_file_exits_zero(se_lsp: Path, tmp_path: Path) -> None:
    (tmp_path / "ok.go").write_text(GO_CLEAN, encoding="utf-8")
    out = run(se_lsp, "check", str(tmp_path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout == ""
    assert "0 findings in 0 of 1 file" in out.stderr


def test_check_sarif_is_valid(se_lsp: Path, tmp_path: Path) -> None:
    schema_path = os.environ.get("SE_LSP_SARIF_SCHEMA")
    if not schema_path or not Path(schema_path).is_file():
        pytest.skip("SE_LSP_SARIF_SCHEMA not set (.ci/run fetches the schema from npm)")
    import jsonschema

    (tmp_path / "a.cpp").write_text(CPP_BAD, encoding="utf-8")
    out = run(se_lsp, "check", "--format", "sarif", str(tmp_path))
    log = json.loads(out.stdout)
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    assert any(r["ruleId"] == "cpp/avoid-endl" for r in results)


def test_counts_say_how_many_files_had_findings_of_how_many(se_lsp: Path, tmp_path: Path) -> None:
    (tmp_path / "a.cpp").write_text(CPP_BAD, encoding="utf-8")
    (tmp_path / "ok.go").write_text(GO_CLEAN, encoding="utf-8")
    (tmp_path / "ok2.go").write_text(GO_CLEAN, encoding="utf-8")
    out = run(se_lsp, "check", "--format", "json", str(tmp_path))
    n = len(findings(out))
    assert n >= 1
    assert f"{n} finding{'s' if n != 1 else ''} in 1 of 3 files" in out.stderr


def test_usage_errors_exit_2_without_traceback(se_lsp: Path, tmp_path: Path) -> None:
    missing = run(se_lsp, "check", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert "no such file" in missing.stderr and "Traceback" not in missing.stderr
    other = tmp_path / "x.py"
    other.write_text("print(1)\n")
    wrong = run(se_lsp, "check", str(other))
    assert wrong.returncode == 2 and "not a Rust, C++ or Go file" in wrong.stderr
    bad_flag = run(se_lsp, "check", "--format", "xml", str(tmp_path))
    assert bad_flag.returncode == 2


def test_no_source_files_is_a_usage_error(se_lsp: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = run(se_lsp, "check", str(empty))
    assert out.returncode == 2
    assert f"no Rust, C++ or Go files in {empty}" in out.stderr
    # A folder of other files, e.g. a mistyped path into the wrong project.
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / "a.py").write_text("x = 1\n")
    (tmp_path / "py" / "lib.c").write_text("int x;\n")
    out = run(se_lsp, "check", str(tmp_path / "py"))
    assert out.returncode == 2 and "no Rust, C++ or Go files" in out.stderr
    assert out.stdout == ""


def test_binary_and_non_utf8_files_are_reported_and_skipped(se_lsp: Path, tmp_path: Path) -> None:
    (tmp_path / "blob.rs").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)))
    (tmp_path / "latin1.cpp").write_bytes(
        b"// caf\xe9\nvoid f() { std::cout << 1 << std::endl; }\n"
    )
    (tmp_path / "good.cpp").write_text(CPP_BAD, encoding="utf-8")
    out = run(se_lsp, "check", "--format", "json", str(tmp_path))
    assert out.returncode == 1, out.stderr
    assert {Path(str(f["path"])).name for f in findings(out)} == {"good.cpp"}
    assert f"{tmp_path / 'blob.rs'}: binary file" in out.stderr
    assert f"{tmp_path / 'latin1.cpp'}:1: not UTF-8 text (byte 0xe9)" in out.stderr
    assert "in 1 of 1 file (2 skipped)" in out.stderr
    # Only such files: nothing was checked, which is not a pass.
    only = run(se_lsp, "check", str(tmp_path / "blob.rs"))
    assert only.returncode == 2
    assert "nothing to check" in only.stderr and "binary file" in only.stderr


def test_a_language_turned_off_is_skipped_and_not_counted(se_lsp: Path, tmp_path: Path) -> None:
    (tmp_path / ".se-lsp.yaml").write_text("languages:\n  go: false\n")
    (tmp_path / "a.cpp").write_text(CPP_BAD, encoding="utf-8")
    (tmp_path / "slow.go").write_text(
        'package a\n\nimport "regexp"\n\nfunc F(xs []string) {\n'
        '\tfor _, x := range xs {\n\t\tregexp.MatchString("a", x)\n\t}\n}\n',
        encoding="utf-8",
    )
    out = run(se_lsp, "check", "--format", "json", str(tmp_path))
    assert not [f for f in findings(out) if str(f["code"]).startswith("go/")]
    assert "of 1 file (1 skipped)" in out.stderr
    only_go = run(se_lsp, "check", str(tmp_path / "slow.go"))
    assert only_go.returncode == 2
    assert "language 'go' is off" in only_go.stderr


def test_rules_json_lists_mirrors(se_lsp: Path) -> None:
    out = run(se_lsp, "rules", "--format", "json")
    rules = json.loads(out.stdout)["rules"]
    by_id = {r["id"]: r for r in rules}
    assert "clang-tidy:performance-avoid-endl" in by_id["cpp/avoid-endl"]["mirrors"]
    assert by_id["cpp/avoid-endl"]["fix"] is True
    for r in rules:
        assert set(r) >= {"id", "language", "title", "severity", "fix", "mirrors"}


def test_rules_text_has_a_header_then_one_line_per_rule(se_lsp: Path) -> None:
    text = run(se_lsp, "rules")
    assert text.returncode == 0
    header, *lines = text.stdout.splitlines()
    assert header.split()[:4] == ["RULE", "SEVERITY", "FIX", "TITLE"]
    ids = [r["id"] for r in json.loads(run(se_lsp, "rules", "--format", "json").stdout)["rules"]]
    assert [line.split()[0] for line in lines] == ids


def test_check_help_documents_formats_and_exit_codes(se_lsp: Path) -> None:
    out = run(se_lsp, "check", "--help")
    assert out.returncode == 0
    text = out.stdout
    for fmt in ("text", "json", "sarif"):
        assert f"  {fmt}  " in text
    assert "exit status:" in text
    for code, meaning in (("0", "no findings"), ("1", "at least one finding"), ("2", "usage")):
        assert any(
            line.strip().startswith(f"{code}  ") and meaning in line for line in text.splitlines()
        ), (code, text)


def test_project_file_turns_rules_off_and_excludes(se_lsp: Path, tmp_path: Path) -> None:
    (tmp_path / "a.cpp").write_text(CPP_BAD, encoding="utf-8")
    # A folder of the project's own that only the project file excludes (`third_party/`
    # is left out by the source walk itself, before the project file is read).
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "b.cpp").write_text(CPP_BAD, encoding="utf-8")
    (tmp_path / ".se-lsp.yaml").write_text(
        "exclude: ['generated/']\nrules:\n  cpp/avoid-endl: info\n"
    )
    out = run(se_lsp, "check", "--format", "json", str(tmp_path))
    assert {Path(str(f["path"])).name for f in findings(out)} == {"a.cpp"}
    assert all(f["severity"] == "info" for f in findings(out) if f["code"] == "cpp/avoid-endl")
    assert "(1 skipped)" in out.stderr
    (tmp_path / ".se-lsp.yaml").write_text("rules:\n  cpp/avoid-endl: off\n")
    out = run(se_lsp, "check", "--format", "json", str(tmp_path))
    assert not [f for f in findings(out) if f["code"] == "cpp/avoid-endl"]


def test_invalid_project_file_names_the_key_and_keeps_going(se_lsp: Path, tmp_path: Path) -> None:
    (tmp_path / "a.cpp").write_text(CPP_BAD, encoding="utf-8")
    (tmp_path / ".se-lsp.yaml").write_text(
        "rules:\n  cpp/avoid-endl: loud\nbaseUrl: http://127.0.0.1:9\n"
    )
    out = run(se_lsp, "check", "--format", "json", str(tmp_path))
    assert out.returncode == 1
    assert "rules.cpp/avoid-endl" in out.stderr and ".se-lsp.yaml" in out.stderr
    assert "baseUrl" in out.stderr and "ignored" in out.stderr
    assert findings(out)


def test_config_reads_the_named_file_not_the_nearest_one(se_lsp: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "gen").mkdir(parents=True)
    (project / "a.cpp").write_text(CPP_BAD, encoding="utf-8")
    (project / "gen" / "b.cpp").write_text(CPP_BAD, encoding="utf-8")
    (project / ".se-lsp.yaml").write_text("rules:\n  cpp/avoid-endl: off\n")
    strict = project / "strict.yaml"
    strict.write_text("rules:\n  cpp/avoid-endl: error\nexclude: ['gen/']\n")
    out = run(se_lsp, "check", "--config", str(strict), "--format", "json", str(project))
    assert out.returncode == 1, out.stderr
    endl = [f for f in findings(out) if f["code"] == "cpp/avoid-endl"]
    # strict.yaml's severity, not .se-lsp.yaml's "off"; its exclusion, relative to its folder.
    assert [(Path(str(f["path"])).name, f["severity"]) for f in endl] == [("a.cpp", "error")]
    # Without --config the nearest file applies.
    nearest = run(se_lsp, "check", "--format", "json", str(project))
    assert not [f for f in findings(nearest) if f["code"] == "cpp/avoid-endl"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("rules: [unclosed\n", "cannot be read"),
        ("- a\n- b\n", "expected a mapping"),
        ("rules:\n  cpp/avoid-endl: loud\n", "rules.cpp/avoid-endl"),
    ],
    ids=["missing", "malformed", "not-a-mapping", "invalid-value"],
)
def test_errors_in_the_config_file_are_usage_errors(
    se_lsp: Path, tmp_path: Path, content: str | None, message: str
) -> None:
    (tmp_path / "a.cpp").write_text(CPP_BAD, encoding="utf-8")
    config = tmp_path / "strict.yaml"
    if content is not None:
        config.write_text(content)
    out = run(se_lsp, "check", "--config", str(config), str(tmp_path))
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and "Traceback" not in out.stderr
    assert out.stdout == "", "nothing is checked with a broken config"


def test_a_closed_pipe_ends_quietly_with_the_findings_status(se_lsp: Path, tmp_path: Path) -> None:
    # Far more output than a pipe holds (64 KiB on Linux), so writing fails for real.
    body = "".join(f'    std::cout << "{i}" << std::endl;\n' for i in range(3000))
    (tmp_path / "many.cpp").write_text(f"#include <iostream>\nvoid f() {{\n{body}}}\n")
    proc = subprocess.Popen(
        [str(se_lsp), "check", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"Exception ignored" not in err, err
    assert proc.returncode == 1  # findings, as if the whole list had been read


def _project(root: Path, git: bool) -> None:
    """A project with its own code and the folders a checkout also holds."""
    for rel, text in {
        "src/app.cpp": CPP_BAD,
        "vendor/github.com/x/y/y.go": GO_CLEAN,
        "web/node_modules/pkg/addon.cpp": CPP_BAD,
        "3rd-party/doctest/doctest.h": CPP_BAD,
        "third_party/abseil/str.cc": CPP_BAD,
        "target/debug/build/z/out/generated.rs": "fn f() {}\n",
        "target/CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n",
        "gen/proto.go": GO_CLEAN,
        "src/api.pb.go": GO_CLEAN,
        ".cache/old.cpp": CPP_BAD,
        ".gitignore": "gen/\n*.pb.go\n",
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)


@pytest.mark.parametrize("git", [True, False], ids=["git-repository", "plain-folder"])
def test_a_folder_is_walked_without_third_party_code_and_build_output(
    se_lsp: Path, tmp_path: Path, git: bool
) -> None:
    if git and subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    _project(tmp_path, git)
    out = run(se_lsp, "check", "--no-linters", "--format", "json", str(tmp_path))
    paths = {Path(str(f["path"])).relative_to(tmp_path).as_posix() for f in findings(out)}
    assert paths == {"src/app.cpp"}
    # What .gitignore lists is left out only where git says so; the rest always.
    files = 1 if git else 3  # src/app.cpp (+ gen/proto.go, src/api.pb.go without git)
    assert f"of {files} file" in out.stderr, out.stderr


def test_a_folder_named_on_the_command_line_is_checked_whatever_it_is(
    se_lsp: Path, tmp_path: Path
) -> None:
    _project(tmp_path, git=False)
    out = run(se_lsp, "check", "--no-linters", str(tmp_path / "web" / "node_modules"))
    assert out.returncode == 1 and "addon.cpp:3:" in out.stdout
    out = run(se_lsp, "check", "--no-linters", str(tmp_path / "src" / "api.pb.go"))
    assert out.returncode == 0 and "of 1 file" in out.stderr
