// realm-check.ts: without SES, importing the package fails at once with a
// message naming what to import first; with SES loaded and locked down
// after the imports (static imports run first), it works.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const CAPS = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));

/** Runs `source` as an ES module from this package's folder (so `ses` resolves). */
const runModule = (source: string) => {
  const dir = mkdtempSync(join(here, ".realm-check-"));
  try {
    const file = join(dir, "main.mjs");
    writeFileSync(file, source);
    return spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 60_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test("without SES, the import fails with CAPS_NOT_LOCKED_DOWN, naming what to import first", () => {
  const r = runModule(`await import(${JSON.stringify(CAPS)});`);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain("CAPS_NOT_LOCKED_DOWN");
  expect(r.stderr).toContain('import "@padded-cell/host" before it');
  expect(r.stderr).not.toContain("harden is not defined");
});

test('with "ses" imported and lockdown() called after the imports, capabilities work', () => {
  const r = runModule(
    [
      'import "ses";',
      `import { makeMemoryDirCap } from ${JSON.stringify(CAPS)};`,
      "lockdown();",
      'const dir = makeMemoryDirCap({ seed: { "/a.txt": "alone" } });',
      'console.log(await dir.readFile("/a.txt", { encoding: "utf8" }));',
    ].join("\n"),
  );
  expect(r.stderr).toBe("");
  expect(r.stdout).toBe("alone\n");
});
