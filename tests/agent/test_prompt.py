"""Prompt building: persona then contract, numbered lines last, context, hints, redaction,
limits, exclusions; and agent files as users have them."""

from __future__ import annotations

from pathlib import Path

import pytest

from se_lsp.agent.definitions import load_agents, origin, parse_agent
from se_lsp.agent.errors import PromptRefused
from se_lsp.agent.prompt import (
    CONTRACT,
    CONTRACT_HEADING,
    build_prompt,
    enclosing_header,
    is_excluded,
    system_prompt,
)
from se_lsp.core.findings import CATEGORIES, Finding, Severity
from se_lsp.core.positions import Pos, Span

WILD = Path("/work/shared/agents-in-the-wild/systems-engineer.md")
needs_wild = pytest.mark.skipif(
    not WILD.is_file(), reason=f"{WILD} is not on this machine (it is not part of the project)"
)

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
    assert "Language: Rust" in p.user.splitlines()[0]
    # The code comes last, after everything that is the same for other selections.
    assert p.user.rstrip().endswith("   4|     for x in xs { v.push(*x); }\n```")
    assert p.user.index("fn sum(xs") < p.user.index("   3|")


def test_a_fence_inside_the_code_cannot_close_the_prompt_fence() -> None:
    text = 'fn f() {\n    let s = "```";\n    g(s);\n}\n'
    p = build_prompt(text, "rust", Span(Pos(1, 0), Pos(2, 9)))
    assert "\n````\n" in p.user and p.user.rstrip().endswith("````")


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
    with pytest.raises(PromptRefused) as err:
        build_prompt(RUST, "rust", Span(Pos(0, 0), Pos(6, 1)), max_lines=3)
    assert "7 lines" in str(err.value) and "3 lines" in str(err.value)
    with pytest.raises(PromptRefused) as err:
        build_prompt(RUST, "rust", Span(Pos(0, 0), Pos(6, 1)), max_bytes=64)
    assert "64 bytes" in str(err.value)


def test_empty_selection_is_refused() -> None:
    with pytest.raises(PromptRefused):
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
    (tmp_path / "plain-notes.md").write_text("You look at locks only.\n", encoding="utf-8")
    (tmp_path / "empty.md").write_text("---\nname: e\n---\n", encoding="utf-8")
    agents, problems = load_agents([tmp_path])
    assert "systems-engineer" in agents
    hawk = agents["cache-hawk"]
    assert hawk.name == "Cache Hawk" and hawk.persona == "You review caches.\n"
    assert {"weird", "tools", "color", "model"} <= set(hawk.ignored_keys)
    plain = agents["plain-notes"]  # no front matter: named after its file
    assert plain.name == "plain-notes" and plain.persona == "You look at locks only.\n"
    assert any("empty.md" in p for p in problems)
    se = agents["systems-engineer"]
    assert se.builtin and "go test -bench" in se.persona
    assert '"line_start"' not in se.persona, "the contract is the server's, not the persona's"


def test_front_matter_that_is_not_strict_yaml_is_read_line_by_line() -> None:
    agent = parse_agent(
        "---\nname: perf-reviewer\ndescription: Use this agent when: the code is slow: "
        "<example>Context: a loop</example>\ncolor: blue\n---\nYou review.\n",
        "/x/perf.md",
    )
    assert agent.name == "perf-reviewer"
    assert agent.description.startswith("Use this agent when: the code is slow")


def test_the_contract_follows_the_persona_and_wins() -> None:
    agents, _ = load_agents([])
    system = system_prompt(agents["systems-engineer"])
    assert system.startswith("You are a systems engineer")
    assert system.endswith(CONTRACT) and system.index(CONTRACT_HEADING) > 100
    assert "wins over them" in CONTRACT
    for value in [*(s.value for s in Severity), *CATEGORIES]:
        assert value in CONTRACT
    for key in ("line_start", "anchor", "replacement", "confidence", "summary", "findings"):
        assert f'"{key}"' in CONTRACT
    assert system == system_prompt(agents["systems-engineer"]), "byte-identical every time"


@needs_wild
@pytest.mark.parametrize("name", [None, "perf-hawk"])
def test_the_agent_file_users_have_gets_the_contract(tmp_path: Path, name: str | None) -> None:
    text = WILD.read_text(encoding="utf-8")
    if name is not None:
        text = text.replace("name: systems-engineer", f"name: {name}", 1)
    (tmp_path / WILD.name).write_text(text, encoding="utf-8")
    agents, problems = load_agents([tmp_path])
    assert problems == []
    agent = agents[name or "systems-engineer"]
    assert not agent.builtin and agent.ignored_keys == ("color",)
    assert (agent.replaces is not None) == (name is None)
    assert str(tmp_path) in origin(agent)
    if name is not None:
        assert agents["systems-engineer"].builtin  # the built-in one stays, under its name
    system = system_prompt(agent)
    body = text.split("---", 2)[2].strip()
    assert system.startswith(body[:200])
    # The persona's own output protocol comes first; the contract after it says it wins.
    assert system.index("Agent Coordination Protocol") < system.index(CONTRACT_HEADING)
    print(f"\nwild agent file: system prompt {len(system)} chars, ~{len(system) // 4} tokens")


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
    from se_lsp.agent.prompt import PromptRefused, build_prompt, looks_binary
    from se_lsp.core.positions import Pos, Span

    assert looks_binary("abc\x00def")
    assert looks_binary("\x01\x02\x03\x04 ab")
    assert not looks_binary('fn main() {\n\tlet s = "é😀";\r\n}\n')
    text = 'fn f() {\n    let b = b"\x00\x01\x02\x03";\n}\n'
    with pytest.raises(PromptRefused, match="binary"):
        build_prompt(text, "rust", Span(Pos(1, 0), Pos(1, 20)))
