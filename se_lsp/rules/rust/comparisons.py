"""Rules about comparisons that allocate: owned copies made only to be compared."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.rust.model import Model
from se_lsp.rules.rust.stdlib import Ty
from se_lsp.rules.rust.syntax import call_args, guarded_fix, is_str_literal, unparen

CALLS: list[str] = []


def comparisons(ctx: Context) -> Iterator[tuple[Node, Node, Node, str]]:
    for node in ctx.nodes("binary_expression"):
        op = node.child_by_field_name("operator")
        if op is None or op.type not in ("==", "!="):
            continue
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is not None and right is not None:
            yield node, left, right, op.type


def _is_str(t: Ty) -> bool:
    d = t.deref()
    return d.name == "str" or d.is_std("String")


def _str_like(t: Ty) -> bool:
    """A type that compares with `&str`: `String`, `&str`, `&String`, `Cow<str>`, `str`."""
    d = t.deref()
    return d.name == "str" or d.is_std("String", "Cow")


def _owned_copy(ctx: Context, model: Model, node: Node) -> tuple[str, Node, str] | None:
    """`("str", x, x-text)` when `node` makes an owned copy of `x` only: `x.to_string()`,
    `x.to_owned()`, `String::from(x)` for a string `x`; `("path", ..)` for `PathBuf::from`;
    `("copy", ..)` for `c.to_owned()` of a `Copy` value; `("user", ..)` for
    `x.to_string()` of a type of this file that compares with `&str` itself."""
    mc = model.method(node)
    if mc is not None:
        name = ctx.text(mc.name)
        if name not in ("to_string", "to_owned") or mc.args:
            return None
        recv = mc.receiver
        if is_str_literal(ctx, recv):
            return "str", recv, ctx.text(recv)
        t = model.type_of(recv)
        if _is_str(t):
            return "str", recv, ctx.text(recv)
        if name == "to_owned" and t.is_ref and model.is_copy(t.deref()):
            return "copy", recv, f"*{ctx.text(recv)}"
        if name == "to_string" and t.deref().local and _compares_with_str(model, t.deref().name):
            return "user", recv, ctx.text(recv)
        return None
    if node.type != "call_expression":
        return None
    path = model.call_path(node)
    arguments = call_args(node)
    if len(arguments) != 1:
        return None
    arg = arguments[0]
    if path == "std::prelude::String::from" or path.endswith("string::String::from"):
        if is_str_literal(ctx, arg) or (_is_str(model.type_of(arg)) and model.type_of(arg).is_ref):
            return "str", arg, ctx.text(arg)
    if path.endswith("path::PathBuf::from"):
        return "path", arg, f"std::path::Path::new({ctx.text(arg)})"
    return None


def _compares_with_str(model: Model, name: str) -> bool:
    for impl in model.impls_for(name, "PartialEq"):
        if impl.trait_node is None:
            continue
        text = model.ctx.text(impl.trait_node).replace(" ", "")
        if text in ("PartialEq<&str>", "PartialEq<str>", "PartialEq<&'staticstr>"):
            return True
    return False


_OWNING_SUFFIXES = (b".to_string()", b".to_owned()")
_OWNING_CALLS = (b"String::from(", b"PathBuf::from(")


def _may_own(source: bytes, node: Node) -> bool:
    """A cheap byte test: could this side be an owned copy at all?"""
    raw = source[node.start_byte : node.end_byte].replace(b" ", b"")
    return raw.endswith(_OWNING_SUFFIXES) or any(c in raw for c in _OWNING_CALLS)


@rule(
    "rust/cmp-owned",
    title="Owned copy made only to be compared",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`name == "admin".to_string()` allocates a `String`, copies the literal into it, compares
and frees it; `path == PathBuf::from(p)` does the same with a path. `String`, `&str` and
`Cow<str>` compare directly with a `&str` (and `PathBuf` with a `&Path`), so the borrowed
value alone gives the same answer without touching the allocator.
""",
    fix='Compare with the borrowed value: `name == "admin"`, `path == Path::new(p)`.',
    measure="cargo bench (criterion) on the hot comparison; DHAT for allocation counts.",
    mirrors=["clippy:cmp_owned"],
    bad="""
if user.role == "admin".to_string() { grant(); }
""",
    good="""
if user.role == "admin" { grant(); }
let label = "admin".to_string();
""",
    node_types=["binary_expression"],
    scope="body",
    has_fix=True,
    confidence=0.85,
    gaps=[
        "user types whose `ToOwned` differs from their `Clone` (`x.to_owned() == *y`) are "
        "not reported",
    ],
)
def cmp_owned(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for node, left, right, op in comparisons(ctx):
        if not (_may_own(ctx.source, left) or _may_own(ctx.source, right)):
            continue
        done = False
        for side, other in ((right, left), (left, right)):
            if done:
                break
            inner = unparen(side)
            # `x == &"a".to_string()` (x a reference) becomes `x == "a"` just the same.
            if inner is not None and inner.type == "reference_expression":
                inner = inner.child_by_field_name("value")
            if inner is None:
                continue
            owned = _owned_copy(ctx, model, inner)
            if owned is None:
                continue
            kind, _value, borrowed = owned
            other_in = unparen(other)
            if other_in is None or _owned_copy(ctx, model, other_in) is not None:
                continue  # both sides owned: comparing two temporaries, a different lint
            other_t = model.type_of(other_in)
            fix_text: str | None = None
            if kind == "str":
                # `*s == "a".to_string()` compares `str` with `String`; `str == &str` has none.
                if is_str_literal(ctx, other_in) and is_str_literal(ctx, _value):
                    continue
                if ctx.text(other_in).startswith("*"):
                    continue
                if is_str_literal(ctx, _value):
                    fix_text = borrowed
                elif other_t.known and _str_like(other_t):
                    fix_text = borrowed
                elif is_str_literal(ctx, other_in):
                    fix_text = borrowed
                else:
                    continue
            elif kind == "path":
                if not (other_t.deref().is_std("PathBuf", "Path")):
                    continue
                fix_text = borrowed
            elif kind == "copy":
                lit = other_in.type in ("char_literal", "integer_literal", "boolean_literal")
                if not lit and not model.is_copy(other_t):
                    continue
                fix_text = borrowed
            elif kind == "user":
                if not is_str_literal(ctx, other_in):
                    continue
                # Flip to `value == "lit"`: the type compares with `&str`, not the reverse.
                new = f"{borrowed} {op} {ctx.text(other_in)}"
                yield ctx.finding(
                    info, node, fix=guarded_fix(ctx, node, new, "Compare without the copy")
                )
                done = True
                continue
            if fix_text is None:
                continue
            fix = guarded_fix(ctx, side, fix_text, "Compare with the borrowed value")
            yield ctx.finding(info, side, fix=fix)
            done = True


_CASE = {"to_ascii_lowercase": "lower", "to_ascii_uppercase": "upper"}


def _case_call(ctx: Context, model: Model, node: Node) -> tuple[str, Node] | None:
    mc = model.method(unparen(node))
    if mc is None or mc.args or ctx.text(mc.name) not in _CASE:
        return None
    return ctx.text(mc.name), mc.receiver


@rule(
    "rust/manual-ignore-case-cmp",
    title="Case-insensitive comparison that converts both sides first",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`a.to_ascii_lowercase() == b.to_ascii_lowercase()` allocates and fills two new strings
(or vectors) to compare them once. `a.eq_ignore_ascii_case(b)` compares byte by byte in
place and stops at the first difference.
""",
    fix="Use `a.eq_ignore_ascii_case(&b)`.",
    measure="cargo bench (criterion); allocation counts with DHAT or heaptrack.",
    mirrors=["clippy:manual_ignore_case_cmp"],
    bad="""
if ext.to_ascii_lowercase() == wanted.to_ascii_lowercase() { keep(); }
""",
    good="""
if ext.eq_ignore_ascii_case(&wanted) { keep(); }
if ext.to_ascii_lowercase() == "Png" { never(); }
""",
    node_types=["binary_expression"],
    has_fix=True,
    gaps=[
        'a comparison with a literal in the other case (`a.to_ascii_lowercase() == "ABC"`), '
        "always false, is left alone: clippy reports it, and `eq_ignore_ascii_case` would "
        'make it true for "abc"',
    ],
)
def manual_ignore_case_cmp(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for node, left, right, op in comparisons(ctx):
        lc, rc = _case_call(ctx, model, left), _case_call(ctx, model, right)
        neg = "!" if op == "!=" else ""
        if lc is None and rc is None:
            continue
        if lc is not None and rc is not None:
            if lc[0] != rc[0]:
                continue
            recv, other = lc[1], f"&{ctx.text(rc[1])}"
        else:
            call, lit = (lc, right) if lc is not None else (rc, left)
            assert call is not None
            lit = unparen(lit) or lit
            text = ctx.text(lit)
            if lit.type == "string_literal" and not text.startswith("b"):
                # A literal that cannot equal the converted string is a bug, not a slow path.
                folded = text.lower() if _CASE[call[0]] == "lower" else text.upper()
                if folded != text or not text.isascii():
                    continue
                other = text
            elif lit.type == "char_literal":
                body = text[2:-1] if text.startswith("b") else text[1:-1]
                folded = body.lower() if _CASE[call[0]] == "lower" else body.upper()
                if folded != body:
                    continue
                other = f"&{text}"
            else:
                continue
            recv = call[1]
        recv_text = ctx.text(recv)
        if recv.type not in (
            "identifier",
            "field_expression",
            "call_expression",
            "self",
            "index_expression",
        ):
            recv_text = f"({recv_text})"
        new = f"{neg}{recv_text}.eq_ignore_ascii_case({other})"
        yield ctx.finding(info, node, fix=guarded_fix(ctx, node, new, "Use `eq_ignore_ascii_case`"))
