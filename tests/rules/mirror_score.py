"""Recall and precision of the built-in rules against the cases drawn from their mirrors.

Counts every (line, rule) mark in tests/rules/fixtures: `//~` is a case the mirrored linter
flags and se-lsp flags (true positive), `//~ MISS` one it flags and se-lsp does not (false
negative), `//~ FP` one it leaves alone and se-lsp flags (false positive). Lines with no
mark are cases both leave alone. The fixtures pass only when these marks are true, so the
figures are measured, not typed in. Run: `python -m tests.rules.mirror_score`.
"""

from __future__ import annotations

from collections import defaultdict

from se_lsp.rules import rule_info
from se_lsp.rules.suppress import mirror_parts
from tests.rules.markers import expectations, fixture_files


def scores() -> dict[str, list[int]]:
    """tool -> [true positives, false negatives, false positives] over rules that mirror it."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for path in fixture_files():
        exp = expectations(path.read_text(encoding="utf-8"))
        for slot, marks in enumerate((exp.flagged, exp.missed, exp.false_positive)):
            for _, rule_id in marks:
                info = rule_info(rule_id)
                tools = {mirror_parts(m)[0] for m in info.mirrors} if info else set()
                for tool in tools or {"se-lsp's own"}:
                    out[tool][slot] += 1
    return out


def main() -> None:
    print(f"{'mirrored tool':<16} {'cases':>6} {'recall':>7} {'precision':>9}")
    for tool, (tp, fn, fp) in sorted(scores().items()):
        recall = tp / (tp + fn) if tp + fn else 1.0
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(f"{tool:<16} {tp + fn + fp:>6} {recall:>7.2f} {precision:>9.2f}")


if __name__ == "__main__":
    main()
