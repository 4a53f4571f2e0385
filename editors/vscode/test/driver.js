// Opens the code-server workbench in headless Chromium so the extension host starts, then
// waits for the extension's test mode to write its JSON result. Exit 0 only if all checks pass.
"use strict";
const fs = require("fs");
const { chromium } = require("playwright-core");

const [url, outFile] = process.argv.slice(2);
const TIMEOUT_MS = Number(process.env.SE_LSP_E2E_TIMEOUT_MS || 180000);

async function waitForServer(deadline) {
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer at ${url}`);
}

async function main() {
  const deadline = Date.now() + TIMEOUT_MS;
  await waitForServer(deadline);
  const browser = await chromium.launch({
    executablePath: process.env.SE_LSP_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
    await page.goto(url, { waitUntil: "domcontentloaded", timeout: TIMEOUT_MS });
    while (Date.now() < deadline) {
      if (fs.existsSync(outFile)) {
        const result = JSON.parse(fs.readFileSync(outFile, "utf8"));
        return result.ok === true ? 0 : 1;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    console.error(`no result in ${outFile} after ${TIMEOUT_MS} ms`);
    return 2;
  } finally {
    await browser.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err && err.stack ? err.stack : String(err));
    process.exit(2);
  },
);
