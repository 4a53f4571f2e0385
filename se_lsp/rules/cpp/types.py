"""C++ type spellings: how the model writes, splits and compares the types a file names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

_PUNCT = frozenset("<>,:*&()[]")


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """A type's spelling with whitespace only where it separates words: `std::vector<int>`,
    `unsigned int`, `const char*`; a leading `::`, `typename`, `struct`, `class` dropped."""
    out: list[str] = []
    pending_space = False
    for ch in text:
        if ch.isspace():
            pending_space = True
            continue
        if pending_space and out and out[-1] not in _PUNCT and ch not in _PUNCT:
            out.append(" ")
        pending_space = False
        out.append(ch)
    s = "".join(out)
    for prefix in ("typename ", "struct ", "class ", "enum ", "union "):
        if s.startswith(prefix):
            s = s[len(prefix) :]
    if s.startswith("::"):
        s = s[2:]
    return s


@lru_cache(maxsize=8192)
def split_top(text: str, sep: str = ",") -> list[str]:
    """`text` split at `sep` outside any <>, () or [] (template argument lists)."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


@lru_cache(maxsize=8192)
def base_of(spelling: str) -> str:
    """`std::vector<int>` -> `std::vector`; `Outer<int>::Inner` -> `Outer::Inner`."""
    if "<" not in spelling:
        return spelling
    out = []
    depth = 0
    for ch in spelling:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=8192)
def args_of(spelling: str) -> list[str]:
    """The template arguments of the last template in the spelling: `map<K,V>` -> [K, V]."""
    if not spelling.endswith(">") or "<" not in spelling:
        return []
    depth = 0
    for i in range(len(spelling) - 1, -1, -1):
        ch = spelling[i]
        if ch == ">":
            depth += 1
        elif ch == "<":
            depth -= 1
            if depth == 0:
                return split_top(spelling[i + 1 : -1])
    return []


# Not frozen (never changed after construction): a frozen __init__ costs four times more.
@dataclass(slots=True, unsafe_hash=True)
class TypeSpec:
    """A type as written: the spelling without cv/ref/pointer, and those qualifiers."""

    spelling: str
    const: bool = False
    ref: str = ""  # "", "&" or "&&"
    pointer: bool = False
    array: bool = False

    @property
    def base(self) -> str:
        return base_of(self.spelling)

    @property
    def args(self) -> list[str]:
        return args_of(self.spelling)

    @property
    def by_value(self) -> bool:
        return not self.ref and not self.pointer and not self.array

    @property
    def is_auto(self) -> bool:
        return self.spelling in ("auto", "decltype(auto)")

    def text(self) -> str:
        """How the type would be written again: `const std::string&`."""
        out = ("const " if self.const else "") + self.spelling
        return out + ("*" if self.pointer else "") + self.ref


def parse_spelled(text: str) -> TypeSpec:
    """A TypeSpec from a spelled type such as `const std::string&` (a template argument)."""
    s = normalize(text)
    ref = ""
    pointer = False
    while s and s[-1] in "&*":
        if s.endswith("&&"):
            ref, s = "&&", s[:-2]
        elif s.endswith("&"):
            ref, s = "&", s[:-1]
        else:
            pointer, s = True, s[:-1]
        s = s.rstrip()
        if s.endswith(" const") or s.endswith("const"):
            # `char* const` is a const pointer, `T const&` a const T.
            pass
    const = False
    if s.startswith("const "):
        const, s = True, s[6:]
    if s.endswith(" const"):
        const, s = True, s[:-6]
    return TypeSpec(normalize(s), const, ref, pointer)
