"""The diagnostics store: one owner per (document, source), one publisher, one render cache."""

from __future__ import annotations

import json
import pickle

from lsprotocol import types

from se_lsp.core.findings import BUILTIN_SOURCE, Finding, to_row
from se_lsp.core.positions import Pos, Span
from se_lsp.lsp.diagnostics import DiagnosticStore, PackedFindings, Rendered
from se_lsp.lsp.documents import DocumentStore, Edit
from se_lsp.rules import analyze

URI = "file:///w/a.rs"
TEXT = (
    "// é😀\n"
    "fn f(xs: &[u64]) -> Vec<u64> {\n"
    "    let mut v = Vec::new();\n"
    "    for x in xs {\n"
    "        v.push(*x);\n"
    '        let r = regex::Regex::new("a+").unwrap();\n'
    "    }\n"
    "    v\n"
    "}\n"
)


class Client:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def __call__(self, method: str, params: str) -> None:
        assert method == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
        self.sent.append(json.loads(params))


def make() -> tuple[DocumentStore, DiagnosticStore, Client]:
    docs = DocumentStore()
    docs.open(types.TextDocumentItem(URI, "rust", 1, TEXT))
    client = Client()
    return docs, DiagnosticStore(docs, client), client


def agent_finding(line: int, title: str = "Reserve capacity") -> Finding:
    return Finding(Span(Pos(line, 4), Pos(line, 20)), "agent/allocation", title, source="reviewer")


def edit(docs: DocumentStore, version: int, line: int, text: str) -> list[Edit]:
    params = types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=version, uri=URI),
        [
            types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(line, 0), types.Position(line, 0)), text=text
            )
        ],
    )
    changed = docs.change(params, "utf-16")
    assert changed is not None and changed[1] is not None
    return changed[1]


def test_sources_merge_into_one_publish() -> None:
    _docs, store, client = make()
    builtin = analyze(TEXT, "rust").findings
    assert builtin
    store.replace(URI, BUILTIN_SOURCE, builtin, version=1, follows_edits=False)
    store.add(URI, "reviewer", agent_finding(2))
    assert store.publish(URI)
    (sent,) = client.sent
    assert sent["version"] == 1
    sources = [d["source"] for d in sent["diagnostics"]]
    assert sources == [BUILTIN_SOURCE] * len(builtin) + ["reviewer"]
    assert {d["data"]["key"] for d in sent["diagnostics"]} == {
        f.key for f in [*builtin, agent_finding(2)]
    }


def test_each_source_is_rendered_once_until_it_changes() -> None:
    _docs, store, client = make()
    store.replace(URI, BUILTIN_SOURCE, analyze(TEXT, "rust").findings, version=1)
    store.add(URI, "reviewer", agent_finding(2))
    store.publish(URI)
    entries = store._entries[URI]
    first = {s: e.rendered for s, e in entries.items()}
    store.publish(URI)
    assert all(entries[s].rendered is first[s] for s in entries), "nothing re-rendered"
    store.add(URI, "reviewer", agent_finding(4, "Second"))
    store.publish(URI)
    assert entries[BUILTIN_SOURCE].rendered is first[BUILTIN_SOURCE]
    assert entries["reviewer"].rendered is not first["reviewer"]
    assert len(client.sent[-1]["diagnostics"]) == len(client.sent[0]["diagnostics"]) + 1


def test_a_rendering_made_elsewhere_is_used_as_is() -> None:
    _docs, store, client = make()
    f = agent_finding(3)
    made = '{"range": {"start": {"line": 3, "character": 4}, "end": {"line": 3, '
    made += '"character": 20}}, "message": "made elsewhere", "source": "se-lsp"}'
    store.replace(URI, BUILTIN_SOURCE, [f], version=1, rendered=Rendered(made, "utf-16", 1))
    store.publish(URI)
    assert client.sent[0]["diagnostics"][0]["message"] == "made elsewhere"


def test_agent_findings_follow_edits_and_builtin_waits_for_its_owner() -> None:
    docs, store, client = make()
    store.replace(URI, BUILTIN_SOURCE, [], version=1, follows_edits=False)
    above, touched, below = agent_finding(1, "above"), agent_finding(3, "on"), agent_finding(5)
    for f in (above, touched, below):
        store.add(URI, "reviewer", f)
    store.set_summary(URI, "reviewer", Span(Pos(4, 0), Pos(6, 5)), "hot loop")
    edits = edit(docs, 2, 3, "    // one\n    // two\n")  # two lines before line 3
    store.edited(URI, edits, 2)  # (in the server, the protocol layer does this)
    titles = {f.title: f.span.start.line for f in store.findings(URI)}
    assert titles == {"above": 1, "Reserve capacity": 7}, "the finding on the edited line goes"
    assert store.summaries_at(URI, Pos(7, 0)) == ["hot loop"]
    assert store.behind(URI) and not store.publish(URI), "built-in still describes version 1"
    assert client.sent == []
    store.replace(URI, BUILTIN_SOURCE, [], version=2, follows_edits=False)
    assert store.publish(URI)
    assert client.sent[-1]["version"] == 2
    lines = sorted(d["range"]["start"]["line"] for d in client.sent[-1]["diagnostics"])
    assert lines == [1, 7]


def test_a_full_text_change_drops_what_followed_edits() -> None:
    _docs, store, _client = make()
    store.add(URI, "reviewer", agent_finding(2))
    store.set_summary(URI, "reviewer", Span(Pos(1, 0), Pos(8, 1)), "s")
    store.edited(URI, None, 2)
    assert store.findings(URI) == [] and store.summaries_at(URI, Pos(2, 0)) == []


def test_packed_findings_are_built_only_when_read() -> None:
    findings = analyze(TEXT * 40, "rust").findings
    assert len(findings) > 40
    packed = PackedFindings(pickle.dumps([to_row(f) for f in findings]), len(findings))
    docs = DocumentStore()
    docs.open(types.TextDocumentItem(URI, "rust", 1, TEXT * 40))
    store = DiagnosticStore(docs, Client())
    made = Rendered('{"message": "rendered with the findings"}', "utf-16", 1)
    store.replace(URI, BUILTIN_SOURCE, packed, version=1, follows_edits=False, rendered=made)
    store.publish(URI)
    assert packed._rows is None, "publishing (its rendering came along) unpacks nothing"
    target = findings[len(findings) // 2]
    assert store.find(URI, target.key) == target
    at = store.at(URI, target.span.start)
    assert target in at
    assert len(packed._made) <= 3, "only the findings asked about were made"
    assert list(packed) == findings


def test_remove_and_forget() -> None:
    _docs, store, client = make()
    f = agent_finding(2)
    store.add(URI, "reviewer", f)
    assert store.remove(URI, f.key) and not store.remove(URI, f.key)
    store.forget(URI)
    assert client.sent[-1] == {"uri": URI, "diagnostics": []}
    assert store.sources(URI) == []
