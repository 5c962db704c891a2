#!/usr/bin/env node
// Writes docs/error-codes.md from the error tables of the built packages
// (run `pnpm build` first). With --check, writes nothing and exits 1 if the
// committed page differs from what the tables give.
//
// The built packages call `harden` while they load, so the realm is locked
// down first (SES defaults, as createHost does).
import "ses";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";

lockdown();

const root = new URL("../", import.meta.url);
const load = (pkg) => import(new URL(`packages/${pkg}/dist/index.js`, root).href);
const [membrane, caps, host, cli, page] = await Promise.all([
  load("membrane"),
  load("caps"),
  load("host"),
  load("cli"),
  import(new URL("packages/examples/dist/error-codes-page.js", root).href),
]);

export const tables = [
  ["@padded-cell/membrane", "membraneErrorCodes", membrane.membraneErrorCodes],
  ["@padded-cell/caps", "fsErrorCodes", caps.fsErrorCodes],
  ["@padded-cell/caps", "netErrorCodes", caps.netErrorCodes],
  ["@padded-cell/caps", "miscErrorCodes", caps.miscErrorCodes],
  ["@padded-cell/host", "hostErrorCodes", host.hostErrorCodes],
  ["@padded-cell/host", "moduleErrorCodes", host.moduleErrorCodes],
  ["@padded-cell/host", "wallErrorCodes", host.wallErrorCodes],
  ["@padded-cell/host", "policyErrorCodes", host.policyErrorCodes],
].map(([packageName, exportName, codes]) => ({ packageName, exportName, codes }));

const target = fileURLToPath(new URL("docs/error-codes.md", root));
// Formatted as `pnpm format` would, so `prettier --check` accepts the page.
const text = await prettier.format(page.renderErrorCodesPage(tables, cli.cliExitCodes), {
  ...(await prettier.resolveConfig(target)),
  filepath: target,
});
if (process.argv.includes("--check")) {
  const current = await readFile(target, "utf8").catch(() => "");
  if (current !== text) {
    console.error(
      "docs/error-codes.md is stale: run `pnpm build && node scripts/generate-error-codes.mjs`.",
    );
    process.exit(1);
  }
} else {
  await writeFile(target, text);
  console.log(
    `wrote docs/error-codes.md (${tables.reduce((n, t) => n + Object.keys(t.codes).length, 0)} codes)`,
  );
}
