// End to end, as a user of the packages outside this repository: packs
// membrane, caps, host and cli (scripts/pack-packages.mjs), installs the
// tarballs with npm in an empty app (third-party dependencies from the
// registry or npm's cache), then runs the README's "Use it in your own app"
// blocks there: the plugin setup, the host snippet, and the CLI (--help, a
// denial, a limit).
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cliExitCodes } from "../src/cli-exit-codes.js";
import { repo } from "./fixtures/cli/harness.js";

const PACKAGES = ["membrane", "caps", "host", "cli"];
let work = "";
let app = "";
let packs = "";

const sh = (script: string, cwd: string): SpawnSyncReturns<string> =>
  spawnSync("bash", ["-euc", script], {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, npm_config_yes: "true", npm_config_update_notifier: "false" },
  });

/** The fenced blocks of the README's "Use it in your own app" section. */
const readmeBlocks = async (): Promise<string[]> => {
  const text = await readFile(join(repo, "README.md"), "utf8");
  const start = text.indexOf("## Use it in your own app");
  const section = text.slice(start, text.indexOf("\n## ", start + 1));
  return [...section.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1] as string);
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "padded-cell-install-"));
  packs = join(work, "packs");
  app = join(work, "app");
  const packed = sh(`node scripts/pack-packages.mjs ${JSON.stringify(packs)}`, repo);
  expect(packed.status, packed.stderr).toBe(0);
  sh(`mkdir -p ${JSON.stringify(app)}`, work);
  await writeFile(
    join(app, "package.json"),
    JSON.stringify({ name: "my-app", private: true, type: "module" }),
  );
  const installed = sh(
    `npm install --no-audit --no-fund --prefer-offline ${JSON.stringify(packs)}/*.tgz`,
    app,
  );
  expect(installed.status, installed.stderr).toBe(0);
}, 300_000);
afterAll(() => (work ? rm(work, { recursive: true, force: true }) : undefined));

describe("packed and installed in an empty app", { timeout: 120_000 }, () => {
  test("the tarballs hold no build leftovers, and workspace:* became versions", async () => {
    const tarballs = await readdir(packs);
    expect(tarballs.sort()).toEqual(PACKAGES.map((p) => `padded-cell-${p}-0.1.0.tgz`).sort());
    for (const tarball of tarballs) {
      const list = sh(`tar tzf ${tarball}`, packs).stdout.split("\n");
      expect(list.filter((f) => /tsbuildinfo|\.map$|\/test\/|\/src\//.test(f))).toEqual([]);
      const manifest = sh(`tar xzf ${tarball} -O package/package.json`, packs).stdout;
      expect(manifest).not.toContain("workspace:");
    }
  });

  test("every `files` entry and the bin exist in the repository (so pnpm links the bin before a build)", async () => {
    for (const p of PACKAGES) {
      const pkg = JSON.parse(await readFile(join(repo, "packages", p, "package.json"), "utf8")) as {
        files: string[];
        bin?: Record<string, string>;
      };
      for (const f of pkg.files.filter((e) => !e.startsWith("!")))
        expect(existsSync(join(repo, "packages", p, f)), `${p}: ${f}`).toBe(true);
      for (const bin of Object.values(pkg.bin ?? {}))
        expect(existsSync(join(repo, "packages", p, bin)), bin).toBe(true);
    }
  });

  test("the README's host snippet runs there", async () => {
    const [, setup, host] = await readmeBlocks();
    expect(sh(setup as string, app).status).toBe(0);
    await writeFile(join(app, "app.js"), host as string);
    const r = sh("node app.js", app);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe('{"words":4}\n');
  });

  test("the CLI runs there: --help, a denial naming the flag, a granted run, a limit", async () => {
    const blocks = await readmeBlocks();
    expect(sh(blocks[1] as string, app).status).toBe(0);
    const help = sh("npx padded-cell --help", app);
    expect(help.status).toBe(cliExitCodes.OK);
    expect(help.stdout).toContain("Usage:");
    const docs = join(app, "docs");
    const denied = sh("npx padded-cell run ../plugin/index.js", docs);
    expect(denied.status).toBe(cliExitCodes.DENIED);
    expect(denied.stderr).toContain("--allow-read=./note.txt");
    const granted = sh("npx padded-cell run ../plugin/index.js --allow-read=./note.txt", docs);
    expect(granted.stdout).toBe('{"words":4}\n');
    await writeFile(join(app, "spin.js"), "export function main() { for (;;) {} }\n");
    const limited = sh("npx padded-cell run spin.js --timeout=1s", app);
    expect(limited.status).toBe(cliExitCodes.LIMIT);
    expect(limited.stderr).toContain("--timeout=1s");
  });
});
