// The plugin folder sent across a wall holds only what lies inside it:
// symbolic links that lead outside are left out, whatever they point at.
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { makeSnapshotReadPowers, snapshotPluginFolder } from "../src/module/module-snapshot.js";

test("links leading outside the plugin folder are left out; links inside are followed", async () => {
  const outside = await mkdtemp(join(tmpdir(), "outside-"));
  await writeFile(join(outside, "secret.txt"), "host secret");
  await mkdir(join(outside, "dir"));
  await writeFile(join(outside, "dir", "x.js"), "secret module");
  const root = await mkdtemp(join(tmpdir(), "plugin-"));
  await writeFile(join(root, "package.json"), "{}");
  await mkdir(join(root, "lib"));
  await writeFile(join(root, "lib", "a.js"), "export const a = 1;");
  await symlink(join(outside, "secret.txt"), join(root, "secret.txt"));
  await symlink(join(outside, "dir"), join(root, "dir"));
  await symlink("../..", join(root, "lib", "up"));
  await symlink(join(root, "lib"), join(root, "alias"));
  await symlink(join(root, "loop"), join(root, "loop"));

  const files = await snapshotPluginFolder(root);
  expect(Object.keys(files).sort()).toEqual(["alias/a.js", "lib/a.js", "package.json"]);
  for (const bytes of Object.values(files))
    expect(new TextDecoder().decode(bytes)).not.toContain("secret");

  const powers = makeSnapshotReadPowers(files);
  expect(powers.maybeReadNow("file:///plugin/lib/a.js")).toBeDefined();
  // Dot segments that stay inside resolve inside (URL parsing normalises them).
  expect(powers.maybeReadNow("file:///plugin/lib/%2e%2e/package.json")).toBeDefined();
  for (const location of [
    "file:///plugin/secret.txt",
    "file:///plugin/lib/../../etc/passwd",
    "file:///plugin/%2e%2e/%2e%2e/etc/passwd",
    "file:///plugin/lib%2F..%2F..%2Fsecret.txt",
    "file:///etc/passwd",
    "file://host/plugin/lib/a.js",
  ]) {
    expect(powers.maybeReadNow(location), location).toBeUndefined();
  }
  await expect(powers.read("file:///plugin/secret.txt")).rejects.toMatchObject({
    code: "MODULE_NOT_FOUND",
  });
});

test("invariant 4: only loadable files are sent behind a wall (no type declarations, maps or docs)", async () => {
  const root = await mkdtemp(join(tmpdir(), "plugin-"));
  await writeFile(join(root, "package.json"), "{}");
  await mkdir(join(root, "lib"));
  for (const name of [
    "a.js",
    "b.mjs",
    "c.cjs",
    "d.json",
    "cli",
    "a.d.ts",
    "a.js.map",
    "README.md",
    "e.ts",
  ]) {
    await writeFile(join(root, "lib", name), "x");
  }
  const files = await snapshotPluginFolder(root);
  expect(Object.keys(files).sort()).toEqual([
    "lib/a.js",
    "lib/b.mjs",
    "lib/c.cjs",
    "lib/cli",
    "lib/d.json",
    "package.json",
  ]);
});
