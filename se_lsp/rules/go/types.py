"""Go types as far as one file shows them: their structure, identity and size.

A `GoType` is built from a type written in the tree (see model.py) or from the table of
standard-library types (stdlib.py). Identity follows Go's rules for what the rules need:
`byte` is `uint8`, `rune` is `int32`, a defined (named) type is never identical to its
underlying type. Sizes and alignments are those of the gc compiler on 64-bit targets
(amd64, arm64), computed from field types with Go's padding rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

BASIC = "basic"
NAMED = "named"
POINTER = "pointer"
SLICE = "slice"
ARRAY = "array"
MAP = "map"
CHAN = "chan"
FUNC = "func"
STRUCT = "struct"
INTERFACE = "interface"
TUPLE = "tuple"
TYPEPARAM = "typeparam"
NIL = "nil"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: GoType
    embedded: bool = False


@dataclass(frozen=True, slots=True)
class GoType:
    kind: str
    # basic: canonical name ("uint8" for byte); named: type name; typeparam: its name
    name: str = ""
    # named: import path of the declaring package, "" for this package
    pkg: str = ""
    elem: GoType | None = None  # pointer, slice, array, chan element; map value
    key: GoType | None = None  # map key
    length: int | None = None  # array length when the file says it
    fields: tuple[Field, ...] = ()
    params: tuple[GoType, ...] = ()
    results: tuple[GoType, ...] = ()  # func results; tuple members
    variadic: bool = False
    methods: tuple[str, ...] = ()  # interface: method names (embedded ones included)
    embeds_unknown: bool = False  # interface embeds something not resolved
    args: tuple[GoType, ...] = ()  # named: type arguments
    dir: str = ""  # chan: "", "send" or "recv"
    untyped: bool = False  # basic: an untyped constant (42, "x", true)

    def __str__(self) -> str:
        return render(self)

    @property
    def qualified(self) -> str:
        """`bytes.Buffer` style name of a named type (import path and name)."""
        return f"{self.pkg}.{self.name}" if self.pkg else self.name

    def typed(self) -> GoType:
        """The default type of an untyped constant (Go spec "Constants")."""
        if self.kind == BASIC and self.untyped:
            return GoType(BASIC, self.name)
        return self


ALIASES = {"byte": "uint8", "rune": "int32"}
BASIC_NAMES = frozenset(
    {
        "bool",
        "string",
        "int",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "uintptr",
        "float32",
        "float64",
        "complex64",
        "complex128",
        "byte",
        "rune",
        "unsafe.Pointer",
    }
)
INTEGERS = frozenset(
    {
        "int",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "uintptr",
    }
)


def basic(name: str, untyped: bool = False) -> GoType:
    return GoType(BASIC, ALIASES.get(name, name), untyped=untyped)


def named(pkg: str, name: str, args: tuple[GoType, ...] = ()) -> GoType:
    return GoType(NAMED, name, pkg=pkg, args=args)


def pointer(t: GoType) -> GoType:
    return GoType(POINTER, elem=t)


def slice_of(t: GoType) -> GoType:
    return GoType(SLICE, elem=t)


def array_of(t: GoType, n: int | None) -> GoType:
    return GoType(ARRAY, elem=t, length=n)


def map_of(k: GoType, v: GoType) -> GoType:
    return GoType(MAP, key=k, elem=v)


def tuple_of(*ts: GoType) -> GoType:
    return GoType(TUPLE, results=tuple(ts))


STRING = basic("string")
BOOL = basic("bool")
INT = basic("int")
BYTE = basic("uint8")
RUNE = basic("int32")
ERROR = named("", "error")  # the predeclared interface
ANY = GoType(INTERFACE)
BYTES = slice_of(BYTE)
NIL_TYPE = GoType(NIL)


def is_basic(t: GoType | None, *names: str) -> bool:
    """True when `t` is exactly one of the basic types `names` (not a type defined from one)."""
    return t is not None and t.kind == BASIC and t.name in {ALIASES.get(n, n) for n in names}


def render(t: GoType, package: Callable[[str], str] | None = None) -> str:
    """Go syntax for `t` (byte and rune spelled as such: that is how Go code writes them).

    `package` gives the name a file uses for an import path (its alias); without it the
    path's last element is used, which is not always the package's name.
    """
    k = t.kind
    if k == BASIC:
        return {"uint8": "byte", "int32": "rune"}.get(t.name, t.name)
    if k == NAMED:
        if t.pkg and package is not None:
            base = f"{package(t.pkg)}.{t.name}"
        else:
            base = t.qualified.rsplit("/", 1)[-1]
        if t.args:
            base += "[" + ", ".join(render(a, package) for a in t.args) + "]"
        return base
    if k == POINTER:
        return "*" + render(_e(t), package)
    if k == SLICE:
        return "[]" + render(_e(t), package)
    if k == ARRAY:
        return f"[{t.length if t.length is not None else '?'}]" + render(_e(t), package)
    if k == MAP:
        assert t.key is not None
        return f"map[{render(t.key, package)}]" + render(_e(t), package)
    if k == CHAN:
        prefix = {"send": "chan<- ", "recv": "<-chan "}.get(t.dir, "chan ")
        return prefix + render(_e(t), package)
    if k == FUNC:
        params = ", ".join(render(p, package) for p in t.params)
        res = ", ".join(render(r, package) for r in t.results)
        if len(t.results) > 1:
            res = f"({res})"
        return f"func({params})" + (f" {res}" if res else "")
    if k == STRUCT:
        return "struct{...}" if t.fields else "struct{}"
    if k == INTERFACE:
        return "any" if not t.methods else "interface{...}"
    if k == TUPLE:
        return "(" + ", ".join(render(r, package) for r in t.results) + ")"
    return t.name or k


def _e(t: GoType) -> GoType:
    assert t.elem is not None
    return t.elem


# -- sizes ----------------------------------------------------------------------

WORD = 8
_BASIC_LAYOUT = {
    "bool": (1, 1),
    "int8": (1, 1),
    "uint8": (1, 1),
    "int16": (2, 2),
    "uint16": (2, 2),
    "int32": (4, 4),
    "uint32": (4, 4),
    "float32": (4, 4),
    "int": (8, 8),
    "uint": (8, 8),
    "int64": (8, 8),
    "uint64": (8, 8),
    "uintptr": (8, 8),
    "float64": (8, 8),
    "complex64": (8, 4),
    "complex128": (16, 8),
    "string": (16, 8),
    "unsafe.Pointer": (8, 8),
}


def basic_layout(name: str) -> tuple[int, int] | None:
    return _BASIC_LAYOUT.get(name)


def align_up(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def struct_layout(members: list[tuple[int, int]]) -> tuple[int, int]:
    """(size, align) of a struct whose fields have these (size, align), in order.

    gc pads a struct that ends in a zero-sized field so a pointer to that field cannot
    point past the object.
    """
    offset, align = 0, 1
    for size, a in members:
        offset = align_up(offset, a) + size
        align = max(align, a)
    if members and members[-1][0] == 0 and offset > 0:
        offset += 1
    return align_up(offset, align), align
