"""`python -m se_lsp` is the same as the `se-lsp` command."""

from se_lsp.cli import main

raise SystemExit(main())
