"""Start the se-lsp server bundled with the VS Code extension.

The extension runs `python -I server.py`: isolated mode, so neither PYTHONPATH, the user's
site-packages nor the workspace folder can shadow the bundled packages. `../libs` holds
se-lsp and everything it imports, for each CPython version listed in `../manifest.json`.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLE = os.path.dirname(HERE)


def _supported() -> list:
    try:
        with open(os.path.join(BUNDLE, "manifest.json"), encoding="utf-8") as f:
            return list(json.load(f)["pythons"])
    except (OSError, ValueError, KeyError):
        return []


def main() -> int:
    version = "%d.%d" % sys.version_info[:2]
    supported = _supported()
    if sys.implementation.name != "cpython" or (supported and version not in supported):
        sys.stderr.write(
            "se-lsp: the bundled server runs on CPython %s; %s is %s %s\n"
            % (", ".join(supported) or "3.11+", sys.executable, sys.implementation.name, version)
        )
        return 3
    sys.path.insert(0, os.path.join(BUNDLE, "libs"))
    from se_lsp.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
