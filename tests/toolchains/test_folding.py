"""A built-in finding and the linter check it mirrors, on the same line: shown once.

The diagnostics store folds linter sources into the built-in one (lsp/linting.FOLDING):
the published diagnostic names both, reads (hover, actions) see the same one finding,
and the linter's finding comes back when the built-in one goes away.
"""

from __future__ import annotations

import json

from lsprotocol import types

from se_lsp.core.findings import BUILTIN_SOURCE, Finding, Fix
from se_lsp.core.positions import LineIndex, Pos, Span
from se_lsp.linters.findings import MIRROR
from se_lsp.lsp.diagnostics import DiagnosticStore, PackedFindings
from se_lsp.lsp.documents import DocumentStore
from se_lsp.lsp.linting import FOLDING
from se_lsp.rules import analyze

URI = "file:///w/a.rs"
TEXT = (
    "fn f(name: &str) -> u32 {\n"
    '    let v = Some(1u32); let _t = "é✓😀"; v.expect(&format!("missing {}", name))\n'
    "}\n"
)


def clippy(line: int, check: str, title: str, fix: Fix | None = None) -> Finding:
    return Finding(
        Span(Pos(line, 40), Pos(line, 70)),
        f"clippy::{check}",
        title,
        source="clippy",
        fix=fix,
        extra={MIRROR: f"clippy:{check}", "rule": ""},
    )


def make() -> tuple[DocumentStore, DiagnosticStore, list[dict]]:
    docs = DocumentStore()
    docs.open(types.TextDocumentItem(URI, "rust", 1, TEXT))
    sent: list[dict] = []
    store = DiagnosticStore(docs, lambda _m, p: sent.append(json.loads(p)), folding=FOLDING)
    return docs, store, sent


def test_a_mirrored_check_on_the_same_line_is_one_diagnostic_naming_both() -> None:
    _docs, store, sent = make()
    builtin = analyze(TEXT, "rust", index=LineIndex(TEXT)).findings
    assert [f.code for f in builtin] == ["rust/expect-fun-call"]
    store.replace(URI, BUILTIN_SOURCE, builtin, version=1, follows_edits=False)
    fix = Fix(Span(Pos(1, 40), Pos(1, 70)), "unwrap_or_else(...)", "clippy's fix")
    same = clippy(1, "expect_fun_call", "function call inside of `expect`", fix)
    other = clippy(1, "map_entry", "usage of `contains_key` followed by `insert`")
    store.replace(URI, "clippy", [same, other], version=1)
    assert store.publish(URI)
    shown = sent[-1]["diagnostics"]
    assert len(shown) == 2
    one = next(d for d in shown if d["code"] == "rust/expect-fun-call")
    assert one["message"].endswith("(also clippy::expect_fun_call)")
    assert one["source"] == BUILTIN_SOURCE
    assert [d["code"] for d in shown if d["source"] == "clippy"] == ["clippy::map_entry"]
    # Reads see the same folded finding: hover text and the linter's fix (the rule has none).
    (here,) = [f for f in store.at(URI, Pos(1, 45)) if f.source == BUILTIN_SOURCE]
    assert "Also reported by clippy" in here.explanation and here.fix == fix
    assert store.find(URI, here.key) == here
    assert store.find(URI, same.key) is None

    # The built-in finding goes (the code changed): the linter's own finding shows again.
    store.replace(URI, BUILTIN_SOURCE, [], version=1, follows_edits=False)
    store.publish(URI)
    assert {d["code"] for d in sent[-1]["diagnostics"]} == {
        "clippy::expect_fun_call",
        "clippy::map_entry",
    }


def test_packed_built_in_findings_fold_too_and_other_lines_do_not() -> None:
    import pickle

    from se_lsp.core.findings import to_row

    _docs, store, sent = make()
    builtin = analyze(TEXT, "rust", index=LineIndex(TEXT)).findings
    rows = [to_row(f) for f in builtin]
    packed = PackedFindings(pickle.dumps(rows), len(rows))
    store.replace(URI, BUILTIN_SOURCE, packed, version=1, follows_edits=False)
    elsewhere = clippy(0, "expect_fun_call", "on another line")
    store.replace(URI, "clippy", [elsewhere], version=1)
    store.publish(URI)
    codes = [d["code"] for d in sent[-1]["diagnostics"]]
    assert codes == ["rust/expect-fun-call", "clippy::expect_fun_call"]
    assert "also" not in sent[-1]["diagnostics"][0]["message"]
