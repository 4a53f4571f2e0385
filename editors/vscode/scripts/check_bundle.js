// Refuses to package an extension without its server: `npm run bundle-server` makes one.
// SE_LSP_VSIX_WITHOUT_SERVER=1 allows a client-only .vsix (it then needs se-lsp installed).
"use strict";
const fs = require("fs");
const path = require("path");

const manifest = path.join(__dirname, "..", "bundled", "manifest.json");
if (!fs.existsSync(manifest) && !process.env.SE_LSP_VSIX_WITHOUT_SERVER) {
  console.error(
    "se-lsp: bundled/manifest.json is missing: run `npm run bundle-server` first " +
      "(or set SE_LSP_VSIX_WITHOUT_SERVER=1 for a .vsix that needs se-lsp installed)",
  );
  process.exit(1);
}
