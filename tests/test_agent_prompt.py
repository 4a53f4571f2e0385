"""Prompt building: numbered lines, function context, hints, redaction, limits, exclusions."""

from __future__ import annotations

from pathlib import Path

import pytest

from se_lsp.agent.definitions import load_agents, parse_agent
from se_lsp.agent.prompt import PromptError, build_prompt, enclosing_header, is_excluded
from se_lsp.core.findings import Finding
from se_lsp.core.positions import Pos, Span

RUST = (
    "// ünïcödé 😀 header\n"
    "fn sum(xs: &[u64]) -> u64 {\n"
    "    let mut v = Vec::new();\n"
    "    for x in xs { v.push(*x); }\n"
    '    let key = "AKIAABCDEFGHIJKLMNOP";\n'
    "    v.iter().sum()\n"
    "}\n"
)


def test_lines_are_numbered_as_in_the_document_and_function_header_is_given() -> None:
    p = build_prompt(RUST, "rust", Span(Pos(2, 4), Pos(3, 10)))
    assert "   3|     let mut v = Vec::new();" in p.user
    assert "   4|     for x in xs { v.push(*x); }" in p.user
    assert "   2|" not in p.user and "   5|" not in p.user
    assert "fn sum(xs: &[u64]) -> u64" in p.user
    assert (p.first_line, p.last_line) == (2, 3)
    assert p.user.startswith("Language: Rust")


def test_selection_ending_at_column_zero_does_not_take_that_line() -> None:
    p = build_prompt(RUST, "rust", Span(Pos(2, 0), Pos(4, 0)))
    assert p.last_line == 3


def test_secrets_are_redacted_and_line_count_kept() -> None:
    p = build_prompt(RUST, "rust", Span(Pos(1, 0), Pos(6, 1)))
    assert "AKIAABCDEFGHIJKLMNOP" not in p.user
    assert "<REDACTED:aws-access-key#1>" in p.user
    assert p.redactions == 1
    assert len(p.lines) == 6


def test_builtin_findings_in_range_become_hints() -> None:
    inside = Finding(Span(Pos(3, 4), Pos(3, 8)), "rust/x", "push in loop")
    outside = Finding(Span(Pos(0, 0), Pos(0, 2)), "rust/y", "not here")
    p = build_prompt(RUST, "rust", Span(Pos(2, 0), Pos(5, 0)), hints=[inside, outside])
    assert "line 4: rust/x: push in loop" in p.user
    assert "not here" not in p.user


def test_limits_name_both_numbers() -> None:
    with pytest.raises(PromptError) as err:
        build_prompt(RUST, "rust", Span(Pos(0, 0), Pos(6, 1)), max_lines=3)
    assert "7 lines" in str(err.value) and "3 lines" in str(err.value)
    with pytest.raises(PromptError) as err:
        build_prompt(RUST, "rust", Span(Pos(0, 0), Pos(6, 1)), max_bytes=64)
    assert "64 bytes" in str(err.value)


def test_empty_selection_is_refused() -> None:
    with pytest.raises(PromptError):
        build_prompt("fn a() {}\n\n\n", "rust", Span(Pos(1, 0), Pos(2, 0)))


def test_enclosing_header_for_go_method_and_cpp() -> None:
    go = "package p\n\nfunc (s *S) Run(n int) error {\n\treturn nil\n}\n"
    assert enclosing_header(go, "go", 3) == (2, "func (s *S) Run(n int) error")
    cpp = "int f(int a)\n{\n  return a;\n}\n"
    assert enclosing_header(cpp, "cpp", 2) == (0, "int f(int a)")
    assert enclosing_header(cpp, "cpp", 5) is None


def test_secret_files_are_never_prompted(tmp_path: Path) -> None:
    assert is_excluded(tmp_path / ".env", tmp_path, []) is not None
    assert is_excluded(tmp_path / "gen" / "a.rs", tmp_path, ["gen/"]) == "gen/"
    assert is_excluded(tmp_path / "src" / "a.rs", tmp_path, []) is None


def test_shipped_agent_loads_and_foreign_format_too(tmp_path: Path) -> None:
    (tmp_path / "reviewer.md").write_text(
        "---\nname: Cache Hawk\ndescription: d\ntools: Read, Grep\ncolor: red\nmodel: opus\n"
        "weird: 1\n---\nYou review caches.\n",
        encoding="utf-8",
    )
    (tmp_path / "broken.md").write_text("no front matter", encoding="utf-8")
    agents, problems = load_agents([tmp_path])
    assert "systems-engineer" in agents
    hawk = agents["cache-hawk"]
    assert hawk.name == "Cache Hawk" and hawk.system_prompt == "You review caches.\n"
    assert "weird" in hawk.ignored_keys
    assert any("broken.md" in p for p in problems)
    se = agents["systems-engineer"]
    assert '"line_start"' in se.system_prompt and "go test -bench" in se.system_prompt


def test_agent_without_body_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse_agent("---\nname: x\n---\n   \n")


def test_cache_text_has_no_line_numbers_so_moved_code_matches() -> None:
    a = build_prompt(RUST, "rust", Span(Pos(2, 0), Pos(4, 0)))
    b = build_prompt("\n\n" + RUST, "rust", Span(Pos(4, 0), Pos(6, 0)))
    assert a.user != b.user
    assert a.cache_text == b.cache_text
    c = build_prompt(RUST.replace("Vec::new()", "Vec::new( )"), "rust", Span(Pos(2, 0), Pos(4, 0)))
    assert c.cache_text != a.cache_text


def test_binary_looking_selection_is_refused_with_a_reason():
    from se_lsp.agent.prompt import PromptError, build_prompt, looks_binary
    from se_lsp.core.positions import Pos, Span

    assert looks_binary("abc\x00def")
    assert looks_binary("\x01\x02\x03\x04 ab")
    assert not looks_binary('fn main() {\n\tlet s = "é😀";\r\n}\n')
    text = 'fn f() {\n    let b = b"\x00\x01\x02\x03";\n}\n'
    with pytest.raises(PromptError, match="binary"):
        build_prompt(text, "rust", Span(Pos(1, 0), Pos(1, 20)))
