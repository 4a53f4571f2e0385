"""Numeric code that takes the slow path: C math functions promoting `float` to `double`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.cpp.model import MODEL_NODE_TYPES, Model
from se_lsp.rules.cpp.syntax import (
    WORD_BYTES,
    args,
    callee,
    calls_at,
    enclosing_function,
    word_hits,
)
from se_lsp.rules.engine import Context, RuleInfo, rule

# Each C function with how many leading arguments are the floating-point ones.
_C_MATH = {
    **{
        n: 1
        for n in """acos acosh asin asinh atan atanh cbrt ceil cos cosh erf erfc exp exp2 expm1
        fabs floor ilogb lgamma llrint llround log log10 log1p log2 logb lrint lround nearbyint
        rint round sin sinh sqrt tan tanh tgamma trunc frexp ldexp scalbn scalbln nexttoward
        modf""".split()
    },
    **{
        n: 2
        for n in "atan2 copysign fdim fmax fmin fmod hypot nextafter pow remainder remquo".split()
    },
    "fma": 3,
}

# Every digit becomes "0", so a float suffix (`1f`, `2.5F`, `0.f`) is a plain substring search:
# several times faster than a regex over a character class.
_DIGITS_TO_ZERO = bytes(ord("0") if ord("0") <= i <= ord("9") else i for i in range(256))
# The lookahead lets the regex engine skip positions that cannot start a name before it tries
# the lookbehind and the alternation (about twice as fast, the same matches). No quantifier
# nests in another, so a match costs time linear in its length.
_MATH_CALL = re.compile(
    rb"(?=[a-z])(?<![\w$.>])(" + b"|".join(n.encode() for n in sorted(_C_MATH)) + rb")\s*+\("
)


def _float_suffixes(src: bytes, lo: int, hi: int) -> Iterator[int]:
    """Offsets in [lo, hi) of a float literal's suffix (`1f`, `0.f`), not `0xff`."""
    zeroed = src[lo:hi].translate(_DIGITS_TO_ZERO)
    for needle in (b"0f", b"0F", b"0.f", b"0.F"):
        pos = zeroed.find(needle)
        while pos >= 0:
            end = lo + pos + len(needle)
            if end >= len(src) or src[end] not in WORD_BYTES:
                yield lo + pos
            pos = zeroed.find(needle, pos + len(needle))


def _math_calls_near_floats(ctx: Context) -> list[Node]:
    """Calls of C math functions inside functions that mention `float` or a float literal.

    Scanning only those functions keeps the rule cheap on the (common) code without floats.
    """
    found: list[Node] = []
    src = ctx.source
    done_until = -1
    lo, hi = ctx.scan_range
    hits = set(word_hits(src, "float", lo, hi))
    hits.update(_float_suffixes(src, lo, hi))
    for start in sorted(hits):
        if start < done_until:
            continue
        node = ctx.root.named_descendant_for_byte_range(start, start + 1)
        fn = enclosing_function(node) if node is not None else None
        while fn is not None and fn.type != "function_definition":
            fn = enclosing_function(fn)
        if fn is None:
            continue
        done_until = fn.end_byte
        for hit in _MATH_CALL.finditer(src, fn.start_byte, fn.end_byte):
            found.extend(calls_at(ctx, hit.group(1).decode(), [hit.start(1)]))
    return found


def _is_float(ctx: Context, model: Model, node: Node) -> bool:
    """A float literal, a `float` variable, or arithmetic of those."""
    t = node.type
    if t == "number_literal":
        text = ctx.text(node).lower()
        return text.endswith("f") and not text.startswith("0x") and ("." in text or "e" in text)
    if t == "identifier":
        ts = model.type_of(node)
        return ts is not None and not ts.pointer and model.resolve(ts).spelling == "float"
    if t == "binary_expression":
        op = node.child_by_field_name("operator")
        if op is None or op.type not in ("+", "-", "*", "/"):
            return False
        sides = [node.child_by_field_name("left"), node.child_by_field_name("right")]
        return all(s is not None and _is_float(ctx, model, s) for s in sides)
    if t in ("parenthesized_expression", "unary_expression") and node.named_children:
        return _is_float(ctx, model, node.named_children[-1])
    return False


@rule(
    "cpp/type-promotion-in-math-fn",
    title="C math function promotes a float to double",
    severity=Severity.INFO,
    category="simd",
    explanation="""
`::sqrt`, `::sin`, `::pow` and the other C `<math.h>` functions take and return `double`. A
`float` argument is converted to double, computed in double precision (several times slower for
`sin`/`exp`/`pow`, and half the SIMD lanes when vectorised) and converted back. `std::sqrt` has a
`float` overload that stays in single precision.
""",
    fix="Call the `std::` overload (`std::sqrt(x)`) or the `f` variant (`sqrtf`).",
    measure="Google Benchmark the numeric loop; `perf record` shows `cvtss2sd`/`cvtsd2ss` and "
    "the double-precision `libm` entry points.",
    mirrors=["clang-tidy:performance-type-promotion-in-math-fn"],
    bad="""
#include <cmath>
float length(float x, float y) {
    return ::sqrt(x * x + y * y) + ::fabs(x);
}
""",
    good="""
#include <cmath>
float length(float x, float y) {
    return std::sqrt(x * x + y * y) + std::fabs(x);
}
double hyp(double a) { return ::sqrt(a); }
""",
    scope="body",
    node_types=[*MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
)
def type_promotion_in_math_fn(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    has_cmath = b"<cmath>" in ctx.source
    for call in _math_calls_near_floats(ctx):
        name_text = callee(ctx, call)
        name = name_text.rsplit("::", 1)[-1]
        if name_text != f"::{name}" and (name_text != name or model.using_std):
            continue
        wanted = _C_MATH.get(name)
        items = args(call)
        if wanted is None or len(items) < wanted:
            continue
        if any(
            len(f.params) != len(items) or f.params[0].type.spelling != "double"
            for f in model.free_functions(name)
        ):
            continue  # the file declares its own function of that name
        if not all(_is_float(ctx, model, a) for a in items[:wanted]):
            continue
        fn = call.child_by_field_name("function")
        assert fn is not None
        fix = ctx.fix(fn, f"std::{name}", f"Call std::{name}") if has_cmath else None
        yield ctx.finding(
            info, call, title=f"::{name} promotes its float argument to double", fix=fix
        )


RULES = [type_promotion_in_math_fn]
