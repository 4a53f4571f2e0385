"""Compile-checked fixes: a fix is checked with the project's own toolchain before it is offered."""

from se_lsp.verify.checker import Verifier
from se_lsp.verify.verdict import Attempt, CompilerError, Status, Verdict

__all__ = ["Attempt", "CompilerError", "Status", "Verdict", "Verifier"]
