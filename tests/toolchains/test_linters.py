"""The linters users trust, run for real on real projects, parsed from their own formats.

Each tool's findings land on the right code-point columns (the flagged lines hold
multi-byte text before the code), carry se-lsp's explanation when a built-in rule
mirrors the check, and keep the tool's own fix; a built-in finding and the linter check
it mirrors on the same line become one finding that names both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from se_lsp.core.positions import LineIndex, Pos
from se_lsp.core.settings import LinterSettings, Settings
from se_lsp.linters.catalog import TOOLS, default_checks
from se_lsp.linters.clang_tidy import parse_fixes
from se_lsp.linters.clippy import wanted
from se_lsp.linters.golang import vet_objects
from se_lsp.linters.merge import ALSO, merge
from se_lsp.linters.runner import lint
from se_lsp.rules import rule_info
from se_lsp.rules.batch import run_rules
from tests.toolchains.conftest import snapshot, tool_or_skip


def _col(text: str, line: int, needle: str) -> int:
    return LineIndex(text).line(line).index(needle)


async def test_clippy_findings_explained_placed_and_fixed(crate: Path) -> None:
    tool_or_skip("cargo-clippy")
    before = snapshot(crate)
    lib = (crate / "src" / "lib.rs").resolve()
    out = await lint([lib], LinterSettings())
    assert out.notes == []
    found = {f.code: f for f in out.findings[lib]}
    text = lib.read_text()
    expect = found["clippy::expect_fun_call"]
    # Placed after the multi-byte text on the same line, in code points.
    assert expect.span.start == Pos(4, _col(text, 4, "expect("))
    assert expect.source == "clippy"
    info = rule_info("rust/expect-fun-call")
    assert info is not None and info.explanation in expect.explanation
    assert expect.measure == info.measure and expect.category == info.category
    assert expect.fix is not None and "unwrap_or_else" in expect.fix.new_text
    entry = found["clippy::map_entry"]  # no built-in rule mirrors it: the tool's own words
    assert "rust-clippy" in entry.explanation and entry.fix is not None
    assert entry.fix.new_text.startswith("m.entry(n)")
    assert out.covers(lib) and snapshot(crate) == before


async def test_clippy_keeps_to_performance_lints_even_when_the_crate_enables_more(
    crate: Path,
) -> None:
    tool_or_skip("cargo-clippy")
    lib = crate / "src" / "lib.rs"
    lib.write_text("#![warn(clippy::all, clippy::pedantic)]\n" + lib.read_text())
    out = await lint([lib.resolve()], LinterSettings())
    codes = {f.code for f in out.findings[lib.resolve()]}
    assert "clippy::map_entry" in codes
    keep = await wanted(default_checks(TOOLS["clippy"]))
    assert keep is not None and "map_entry" in keep and "needless_collect" in keep
    # pedantic would add e.g. must_use_candidate and missing_panics_doc here.
    assert all(c.removeprefix("clippy::") in keep for c in codes), codes


async def test_clang_tidy_findings_from_export_fixes(cpp_project: Path) -> None:
    tool_or_skip("clang-tidy")
    before = snapshot(cpp_project)
    main = cpp_project / "src" / "main.cpp"
    out = await lint([main], LinterSettings())
    findings = out.findings[main]
    copy = next(f for f in findings if f.code == "performance-for-range-copy")
    text = main.read_text()
    assert copy.span.start == Pos(6, _col(text, 6, "s : v"))
    assert copy.fix is not None and copy.fix.new_text == "const auto&"
    assert copy.extra["rule"] == "cpp/for-range-copy"
    assert snapshot(cpp_project) == before


async def test_staticcheck_and_go_vet(go_module: Path) -> None:
    tool_or_skip("staticcheck", "go-staticcheck")
    a = go_module / "pkg" / "a.go"
    out = await lint([a], LinterSettings())
    by_code = {f.code: f for f in out.findings[a]}
    text = a.read_text()
    fold = by_code["SA6005"]
    assert fold.source == "staticcheck"
    assert fold.span.start == Pos(15, _col(text, 15, "strings.ToLower(a)"))
    assert fold.extra["rule"] == "go/equal-fold"
    locks = by_code["copylocks"]
    assert locks.source == "go vet" and locks.span.start.line == 12
    assert "sync.Mutex" in locks.title


async def test_merge_with_the_built_in_rule_names_both(go_module: Path) -> None:
    tool_or_skip("staticcheck", "go-staticcheck")
    a = go_module / "pkg" / "a.go"
    text = a.read_text()
    builtin = run_rules(text, "go", Settings(), LineIndex(text), path=str(a)).findings
    out = await lint([a], LinterSettings())
    kept, left = merge(builtin, out.findings[a])
    fold = [f for f in kept if f.code == "go/equal-fold"]
    assert len(fold) == 1 and "staticcheck:SA6005" in fold[0].title
    assert fold[0].extra[ALSO] == "staticcheck:SA6005"
    assert "SA6005" not in {f.code for f in left}
    assert "copylocks" in {f.code for f in left}  # no rule mirrors it: stays the linter's


async def test_missing_tools_give_one_info_line_each(no_tools: None, tmp_path: Path) -> None:
    files = [tmp_path / "a.rs", tmp_path / "b.rs", tmp_path / "c.cpp", tmp_path / "d.go"]
    out = await lint(files, LinterSettings())
    assert out.findings == {}
    assert len(out.notes) == 4, out.notes  # clippy, clang-tidy, staticcheck, go vet
    assert all("not found on PATH" in n for n in out.notes)


async def test_settings_turn_a_linter_off_and_choose_its_checks(go_module: Path) -> None:
    tool_or_skip("staticcheck", "go-staticcheck")
    a = go_module / "pkg" / "a.go"
    settings = LinterSettings.model_validate(
        {"staticcheck": {"enabled": False}, "goVet": {"checks": ["lostcancel"]}}
    )
    out = await lint([a], settings)
    assert {r.tool for r in out.runs} == {"go vet"}
    assert out.findings.get(a, []) == []  # copylocks not chosen, lostcancel finds nothing


def test_clang_tidy_yaml_as_llvm_documents_it() -> None:
    """The export-fixes layout from clang's tooling (Replacements with quoted text)."""
    text = """---
MainSourceFile:  '/src/a.cpp'
Diagnostics:
  - DiagnosticName:  performance-for-range-copy
    DiagnosticMessage:
      Message:         'loop variable is copied but only used as const reference'
      FilePath:        '/src/a.cpp'
      FileOffset:      142
      Replacements:
        - FilePath:        '/src/a.cpp'
          Offset:          137
          Length:          0
          ReplacementText: 'const '
    Level:           Warning
    BuildDirectory:  '/src/build'
...
"""
    fixes = parse_fixes(text)
    (d,) = fixes.diagnostics
    assert d.name == "performance-for-range-copy"
    assert d.message.replacements[0].text == "const "
    assert parse_fixes("").diagnostics == [] and parse_fixes("{not: [yaml").diagnostics == []


def test_go_vet_stream_with_comments_errors_and_several_packages() -> None:
    stream = (
        "# example.com/a\n"
        '{\n\t"example.com/a": {\n\t\t"copylocks": [\n\t\t\t{\n'
        '\t\t\t\t"posn": "/m/a/a.go:3:9",\n\t\t\t\t"message": "passes lock by value"\n'
        "\t\t\t}\n\t\t]\n\t}\n}\n"
        "# example.com/b\n"
        '{\n\t"example.com/b": {\n\t\t"lostcancel": {"error": "type error"}\n\t}\n}\n'
    )
    objs = list(vet_objects(stream))
    assert len(objs) == 2
    problems = objs[0]["example.com/a"]["copylocks"]
    assert isinstance(problems, list) and problems[0].posn == "/m/a/a.go:3:9"


# -- se-lsp check ---------------------------------------------------------------------


def _check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run(
        [sys.executable, "-m", "se_lsp", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_check_merges_linters_in_text_json_and_sarif(go_module: Path) -> None:
    tool_or_skip("staticcheck", "go-staticcheck")
    text = _check("pkg", cwd=go_module)
    assert text.returncode == 1, text.stderr
    lines = text.stdout.splitlines()
    fold = [ln for ln in lines if "go/equal-fold" in ln]
    assert len(fold) == 1 and "(also staticcheck:SA6005)" in fold[0]
    assert not any(" staticcheck:SA6005 " in ln for ln in lines)  # merged, not twice
    assert any("go vet:copylocks" in ln for ln in lines)

    records = json.loads(_check("--format", "json", "pkg", cwd=go_module).stdout)["findings"]
    merged = next(r for r in records if r["code"] == "go/equal-fold")
    assert merged["also"] == [{"source": "staticcheck", "code": "SA6005"}]
    vet = next(r for r in records if r["code"] == "copylocks")
    assert vet["source"] == "go vet" and vet["line"] == 13

    sarif = json.loads(_check("--format", "sarif", "pkg", cwd=go_module).stdout)
    names = [run["tool"]["driver"]["name"] for run in sarif["runs"]]
    assert names == ["se-lsp", "go vet"]
    vet_run = sarif["runs"][1]
    assert vet_run["results"][0]["ruleId"] == "copylocks"
    assert vet_run["tool"]["driver"]["rules"][0]["id"] == "copylocks"
    own = sarif["runs"][0]["results"]
    assert any(r.get("properties", {}).get("alsoReportedBy") == ["staticcheck:SA6005"] for r in own)
    schema_path = os.environ.get("SE_LSP_SARIF_SCHEMA")
    if schema_path and Path(schema_path).is_file():
        import jsonschema

        jsonschema.validate(sarif, json.loads(Path(schema_path).read_text()))

    quiet = _check("--no-linters", "pkg", cwd=go_module)
    assert "copylocks" not in quiet.stdout and "also" not in quiet.stdout


def test_check_says_once_when_a_linter_is_missing(tmp_path: Path) -> None:
    (tmp_path / "a.cpp").write_text("int main() { return 0; }\n")
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-m", "se_lsp", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("clang-tidy: not found on PATH") == 1


def test_the_finding_sources_are_the_tools() -> None:
    """The store folds these sources into the built-in one; they must be the tools' names."""
    from se_lsp.core.findings import LINTER_SOURCES

    assert set(TOOLS) == LINTER_SOURCES


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_default_checks_include_every_mirrored_check(tool: str) -> None:
    """A built-in rule that mirrors a check can only meet it if the check runs."""
    import fnmatch

    from se_lsp.linters.catalog import rules_mirroring

    t = TOOLS[tool]
    checks = default_checks(t)
    prefix = t.mirror_prefix + ":"
    for mirror in rules_mirroring():
        if not mirror.startswith(prefix):
            continue
        name = mirror[len(prefix) :]
        if name.startswith("hicpp-"):
            continue  # an alias clang-tidy reports under its performance-* name
        assert any(fnmatch.fnmatchcase(name, c) or c == name for c in checks), (tool, name)
