"""Compile-checked fixes: a fix is checked with the project's own toolchain before it is offered.

The checker (and the toolchain modules behind it) is `se_lsp.verify.checker.Verifier`,
imported on first use so the server's start-up does not pay for it.
"""

from se_lsp.verify.verdict import Attempt, CompilerError, Status, Verdict

__all__ = ["Attempt", "CompilerError", "Status", "Verdict"]
