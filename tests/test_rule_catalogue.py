"""Every rule's documented examples behave as documented, and the docs match the metadata."""

from __future__ import annotations

import pytest

from se_lsp.rules import all_rules, analyze
from se_lsp.rules.docs import docs_paths, rules_markdown

RULES = all_rules()
MIRROR_TOOLS = {
    "clippy",
    "clang-tidy",
    "staticcheck",
    "gocritic",
    "prealloc",
    "perfsprint",
    "revive",
    "govet",
    "semgrep-go",
}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.info.id)
def test_bad_example_is_flagged(rule):
    src = rule.info.example("bad")
    codes = [f.code for f in analyze(src, rule.info.language).findings]
    assert rule.info.id in codes, f"{rule.info.id} misses its own bad example:\n{src}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.info.id)
def test_good_example_is_clean(rule):
    src = rule.info.example("good")
    codes = [f.code for f in analyze(src, rule.info.language).findings]
    assert rule.info.id not in codes, f"{rule.info.id} flags its own good example:\n{src}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.info.id)
def test_metadata_complete(rule):
    i = rule.info
    assert i.id.startswith(f"{i.language}/")
    assert i.title and i.explanation and i.fix and i.measure
    assert i.mirrors or i.related, "each rule names the linter checks it mirrors or resembles"
    for m in i.mirrors:
        tool, _, check = m.partition(":")
        assert tool in MIRROR_TOOLS, f"{m}: mirrors are written tool:check"
        assert check or tool in ("prealloc",), f"{m}: name the check"
    assert i.category in {
        "allocation",
        "copy",
        "cache",
        "concurrency",
        "algorithm",
        "io",
        "simd",
        "branching",
        "memory",
        "other",
    }


@pytest.mark.parametrize("rule", [r for r in RULES if r.info.has_fix], ids=lambda r: r.info.id)
def test_quick_fix_removes_the_finding(rule):
    """Applying a rule's mechanical fix to its bad example makes that finding go away."""
    from se_lsp.core.positions import LineIndex

    src = rule.info.example("bad")
    found = [f for f in analyze(src, rule.info.language).findings if f.code == rule.info.id]
    fixable = [f for f in found if f.fix is not None]
    assert fixable, f"{rule.info.id} says it has a fix but produced none"
    fix = fixable[0].fix
    index = LineIndex(src)
    a, b = index.offset(fix.span.start), index.offset(fix.span.end)
    fixed = src[:a] + fix.new_text + src[b:]
    after = [f for f in analyze(fixed, rule.info.language).findings if f.code == rule.info.id]
    assert len(after) < len(found), f"fix did not remove the finding:\n{fixed}"


def test_docs_are_generated_from_metadata():
    expected = rules_markdown()
    for path in docs_paths():
        assert path.read_text(encoding="utf-8") == expected, (
            f"{path} is out of date: run `python -m se_lsp.rules.docs`"
        )


def test_rule_ids_unique():
    ids = [r.info.id for r in RULES]
    assert len(ids) == len(set(ids))
