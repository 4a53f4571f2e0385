// Before packaging: refuse an extension without its server (`npm run bundle-server` makes one),
// and drop bytecode caches from bundled/ (a local run of the bundled server writes them;
// .vscodeignore cannot exclude files inside the folders it re-includes with `!`).
// SE_LSP_VSIX_WITHOUT_SERVER=1 allows a client-only .vsix (it then needs se-lsp installed).
"use strict";
const fs = require("fs");
const path = require("path");

const bundled = path.join(__dirname, "..", "bundled");
if (!fs.existsSync(path.join(bundled, "manifest.json")) && !process.env.SE_LSP_VSIX_WITHOUT_SERVER) {
  console.error(
    "se-lsp: bundled/manifest.json is missing: run `npm run bundle-server` first " +
      "(or set SE_LSP_VSIX_WITHOUT_SERVER=1 for a .vsix that needs se-lsp installed)",
  );
  process.exit(1);
}

function dropBytecode(dir) {
  if (!fs.existsSync(dir)) {
    return;
  }
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name === "__pycache__") {
      fs.rmSync(full, { recursive: true, force: true });
    } else if (entry.isDirectory()) {
      dropBytecode(full);
    }
  }
}
dropBytecode(bundled);
