"""se-lsp: a systems-performance reviewer inside the editor."""

__version__ = "0.1.0"
