"""Code actions for findings: quick fixes and suppressions, with edits resolved lazily.

An action carries only (uri, finding key, version) in its `data`; the edit is
computed on resolve against the document as it is then, and refused when the
text the finding was made for has changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lsprotocol import types

from se_lsp.core.findings import Finding
from se_lsp.core.positions import Pos, Span
from se_lsp.lsp.convert import lsp_range
from se_lsp.lsp.documents import Document
from se_lsp.verify import Status, Verdict

# The finished compile check of a finding's fix, if there is one (lsp/fixcheck.py).
VerdictOf = Callable[[Finding], Verdict | None]


def no_verdict(finding: Finding) -> Verdict | None:
    return None


FIX = "fix"
SUPPRESS = "suppress"


def _data(doc: Document, finding: Finding, kind: str) -> dict[str, Any]:
    return {"uri": doc.uri, "key": finding.key, "version": doc.version, "kind": kind}


def _still_valid(doc: Document, finding: Finding) -> bool:
    """The finding's lines still hold the text it was made for (all of them, when known)."""
    index = doc.index
    if finding.anchor and index.line(finding.span.start.line) != finding.anchor:
        return False
    lines = finding.extra.get("lines")
    if lines is not None:
        start, end = finding.span.start.line, finding.span.end.line
        if end >= index.line_count:
            return False
        return "\n".join(index.line(n) for n in range(start, end + 1)) == lines
    return True


def context_keys(context_diagnostics: list[types.Diagnostic], uri: str) -> set[str]:
    """The finding keys of the diagnostics the client sent with a codeAction request."""
    return {
        str(d.data.get("key"))
        for d in context_diagnostics
        if isinstance(d.data, dict) and d.data.get("uri") == uri
    }


def actions_for(
    doc: Document,
    findings: list[Finding],
    context_diagnostics: list[types.Diagnostic],
    encoding: str,
    *,
    resolve_support: bool,
    document_changes: bool,
    verdict_of: VerdictOf = no_verdict,
) -> list[types.CodeAction]:
    """Quick fixes and suppressions for `findings` (those at the request's range).

    A fix the compiler rejected is not offered; one it accepted says so in its title.
    """
    out: list[types.CodeAction] = []
    for finding in findings:
        if not _still_valid(doc, finding):
            continue
        diag = [
            d
            for d in context_diagnostics
            if isinstance(d.data, dict) and d.data.get("key") == finding.key
        ]
        verdict = verdict_of(finding) if finding.fix is not None else None
        if finding.fix is not None and (verdict is None or verdict.status is not Status.FAILED):
            action = types.CodeAction(
                title=_fix_title(finding) + (verdict.title_suffix() if verdict else ""),
                kind=types.CodeActionKind.QuickFix,
                diagnostics=diag or None,
                is_preferred=True,
                data=_data(doc, finding, FIX),
            )
            if not resolve_support:
                action.edit = fix_edit(doc, finding, encoding, document_changes)
            out.append(action)
        if finding.source == "se-lsp":
            action = types.CodeAction(
                title=f"Suppress {finding.code} on this line",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=diag or None,
                data=_data(doc, finding, SUPPRESS),
            )
            if not resolve_support:
                action.edit = suppress_edit(doc, finding, encoding, document_changes)
            out.append(action)
    return out


def _fix_title(finding: Finding) -> str:
    assert finding.fix is not None
    if finding.source == "se-lsp" or "mirror" in finding.extra:  # built-in or a linter's
        return f"Fix: {finding.fix.description}"
    return f"Apply: {finding.title}"


def resolve(
    action: types.CodeAction,
    doc: Document | None,
    finding: Finding | None,
    encoding: str,
    document_changes: bool,
    verdict_of: VerdictOf = no_verdict,
) -> types.CodeAction:
    """Fill in the edit of an action offered earlier (for `finding`), if it still applies
    (and, when its compile check has finished, compiles)."""
    data = action.data if isinstance(action.data, dict) else {}
    if doc is None:
        action.disabled = types.CodeActionDisabled(reason="The document is no longer open.")
        return action
    if finding is None or not _still_valid(doc, finding):
        action.disabled = types.CodeActionDisabled(
            reason="The code changed since this finding was made; wait for the new analysis."
        )
        return action
    if data.get("kind") == SUPPRESS:
        action.edit = suppress_edit(doc, finding, encoding, document_changes)
    elif finding.fix is not None:
        verdict = verdict_of(finding)
        if verdict is not None and verdict.status is Status.FAILED:
            # Offered while its compile check ran; the check has since failed.
            action.disabled = types.CodeActionDisabled(
                reason=f"This fix does not compile: {verdict.detail}"
            )
            return action
        action.edit = fix_edit(doc, finding, encoding, document_changes)
    return action


def _edit(
    doc: Document, edits: list[types.TextEdit], document_changes: bool
) -> types.WorkspaceEdit:
    if document_changes:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=doc.uri, version=doc.version
                    ),
                    edits=list(edits),
                )
            ]
        )
    return types.WorkspaceEdit(changes={doc.uri: edits})


def fix_edit(
    doc: Document, finding: Finding, encoding: str, document_changes: bool
) -> types.WorkspaceEdit:
    assert finding.fix is not None
    edit = types.TextEdit(
        range=lsp_range(doc.index, finding.fix.span, encoding), new_text=finding.fix.new_text
    )
    return _edit(doc, [edit], document_changes)


_IGNORE_TAG = re.compile(r"se-lsp:\s*ignore\[([^\]]*)\]")


def suppress_edit(
    doc: Document, finding: Finding, encoding: str, document_changes: bool
) -> types.WorkspaceEdit:
    """Add `// se-lsp: ignore[rule]` on the line above (or extend one that is already there)."""
    line_no = finding.span.start.line
    index = doc.index
    above = index.line(line_no - 1) if line_no > 0 else ""
    m = _IGNORE_TAG.search(above)
    if m:
        start = Pos(line_no - 1, m.start(1))
        end = Pos(line_no - 1, m.end(1))
        ids = [i.strip() for i in m.group(1).split(",") if i.strip()] + [finding.code]
        edit = types.TextEdit(lsp_range(index, Span(start, end), encoding), ", ".join(ids))
    else:
        line = index.line(line_no)
        indent = line[: len(line) - len(line.lstrip())]
        at = Pos(line_no, 0)
        newline = "\r\n" if "\r\n" in index.text else "\n"
        text = f"{indent}// se-lsp: ignore[{finding.code}]{newline}"
        edit = types.TextEdit(lsp_range(index, Span(at, at), encoding), text)
    return _edit(doc, [edit], document_changes)
