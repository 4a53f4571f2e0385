"""A rule that fails costs its own findings, never the other rules' or the file's."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from se_lsp.core.findings import Finding
from se_lsp.core.positions import LineIndex
from se_lsp.rules.engine import Context, Rule, RuleInfo, RuleSet, _run_rules, parse, rule

SOURCE = "package p\n\nfunc a() {}\n\nfunc b() {}\n"


def _made(rule_id: str, fails: BaseException | None) -> Rule:
    @rule(
        rule_id,
        title="test rule",
        category="algorithm",
        explanation="for the test",
        fix="none",
        measure="none",
        mirrors=[],
        bad="",
        good="",
        node_types=[],
    )
    def check(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
        for node in ctx.root.named_children:
            if node.type == "function_declaration":
                yield ctx.finding(info, node)
                if fails is not None:
                    raise fails

    return check


def _run(rules: list[Rule]) -> list[str]:
    data = SOURCE.encode()
    ctx = Context("go", data, parse("go", data), LineIndex(SOURCE), path="p.go")
    found = _run_rules(ctx, RuleSet("go", tuple(rules)), rules, None, None)
    return [f"{f.code}@{f.span.start.line}" for f in found]


def test_a_failing_rule_keeps_what_it_found_and_the_others_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = _made("go/test-broken", ValueError("invalid literal for int(): '0x2000'"))
    sound = _made("go/test-sound", None)
    with caplog.at_level(logging.WARNING, logger="se_lsp.rules.engine"):
        found = _run([broken, sound])
    assert found == ["go/test-broken@2", "go/test-sound@2", "go/test-sound@4"]
    (message,) = [r.getMessage() for r in caplog.records]
    assert "go/test-broken" in message and "p.go" in message and "0x2000" in message


def test_nesting_too_deep_is_not_taken_for_a_rule_bug() -> None:
    with pytest.raises(RecursionError):
        _run([_made("go/test-deep", RecursionError("maximum recursion depth exceeded"))])
