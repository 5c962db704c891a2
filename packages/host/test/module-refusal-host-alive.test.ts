// Class: a failure inside the module mapper's dependency searches (which it
// starts before it awaits them) must reach the caller as an error, never as
// an unhandled rejection that ends the host process under Node's defaults.
// Two sources: our own refusals (a symlink leading out), and the mapper's
// own descriptor checks failing in a package and in its dependency at once
// (closed by the patch in patches/, see the host README).
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const HOST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/** Runs a host in a child process that imports ./index.js from the plugin at `root`. */
const runChildHost = (root: string, imports: string[]) => {
  const script = `
    const { createHost } = await import(${JSON.stringify(HOST)});
    const host = await createHost();
    const cell = await host.createCell({ name: "p", root: ${JSON.stringify(root)}, imports: ${JSON.stringify(imports)} });
    try { await cell.run("./index.js"); } catch (e) { console.log("refused", e.code); }
    await new Promise((r) => setTimeout(r, 200));
    console.log("host alive");`;
  return spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 60_000,
  });
};

test("a symlinked dependency leading outside the plugin is refused, and the host process lives on", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pc-refusal-"));
  await mkdir(join(dir, "outside/evil"), { recursive: true });
  await mkdir(join(dir, "plugin/node_modules"), { recursive: true });
  await writeFile(join(dir, "outside/evil/package.json"), '{"name":"evil","main":"index.js"}');
  await writeFile(join(dir, "outside/evil/index.js"), "module.exports = 1;");
  await symlink("../../outside/evil", join(dir, "plugin/node_modules/evil"));
  await writeFile(
    join(dir, "plugin/package.json"),
    '{"name":"p","type":"module","dependencies":{"evil":"1"}}',
  );
  await writeFile(
    join(dir, "plugin/index.js"),
    'import e from "evil"; export const main = () => e;',
  );
  const r = runChildHost(join(dir, "plugin"), ["evil"]);
  expect(r.stdout).toContain("refused MODULE_OUTSIDE_ROOT");
  expect(r.stdout).toContain("host alive");
  expect(r.status).toBe(0);
});

test("a package and its dependency both with descriptors the mapper rejects: refused, and the host process lives on", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pc-refusal-"));
  await mkdir(join(dir, "plugin/node_modules/evil"), { recursive: true });
  await writeFile(
    join(dir, "plugin/node_modules/evil/package.json"),
    '{"name":"evil","exports":{".":"../../../secret.js"}}',
  );
  await writeFile(
    join(dir, "plugin/package.json"),
    '{"name":"p","type":"module","exports":"../outside.js","dependencies":{"evil":"1"}}',
  );
  await writeFile(join(dir, "plugin/index.js"), 'export * from "evil";');
  const r = runChildHost(join(dir, "plugin"), ["evil"]);
  expect(r.stdout).toContain("refused MODULE_LOAD_FAILED");
  expect(r.stdout).toContain("host alive");
  expect(r.status).toBe(0);
});
