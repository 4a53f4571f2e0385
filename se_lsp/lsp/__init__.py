"""The protocol wing: the language server and its handlers."""
