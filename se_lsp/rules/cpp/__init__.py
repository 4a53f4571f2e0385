"""C++ rules, after clang-tidy's performance-* checks."""

from __future__ import annotations

import re
from pathlib import PurePath

from se_lsp.rules.cpp import legacy
from se_lsp.rules.engine import RuleSet

_TEST_FILE = re.compile(r"(?:^test_|_(?:unit)?tests?$|_benchmark$)", re.I)


def is_test_path(path: str) -> bool:
    """Files under test/ or tests/, and `foo_test.cc`, `foo_unittest.cpp`, `test_foo.cpp`."""
    p = PurePath(path)
    if any(part.lower() in ("test", "tests", "unittests") for part in p.parts[:-1]):
        return True
    return bool(_TEST_FILE.search(p.stem))


RULESET = RuleSet("cpp", tuple(legacy.RULES), test_path=is_test_path)
