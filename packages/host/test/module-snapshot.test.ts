// The plugin folder sent across a wall holds only what lies inside it:
// symbolic links that lead outside are left out, whatever they point at.
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import {
  makeSnapshotReadPowers,
  packSnapshot,
  snapshotPluginFolder,
  unpackSnapshot,
} from "../src/module/module-snapshot.js";

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

test("invariant 5: a packed snapshot unpacks to the same files, and its hash is its contents", () => {
  const enc = (t: string) => new TextEncoder().encode(t);
  // fromEntries makes `__proto__` an own key (a literal would set the prototype).
  const files = Object.fromEntries([
    ["b.js", enc("export const b = 2;")],
    ["a.js", enc("a")],
    ["__proto__", enc("p")],
  ]);
  const packed = packSnapshot(files);
  expect(packed.bytes.byteLength).toBe(21);
  const back = unpackSnapshot(packed.index, packed.bytes);
  expect(Object.keys(back).sort()).toEqual(["__proto__", "a.js", "b.js"]);
  expect(new TextDecoder().decode(back["b.js"])).toBe("export const b = 2;");
  expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  expect(packSnapshot({ ...files }).hash).toBe(packed.hash);
  expect(
    packSnapshot(Object.fromEntries([...Object.entries(files), ["a.js", enc("A")]])).hash,
  ).not.toBe(packed.hash);
});

test("invariant 5: a malformed index is refused (out of bounds, negative, repeated, not a list)", () => {
  const bytes = new Uint8Array(10);
  for (const index of [
    [["a.js", 5, 6]],
    [["a.js", -1, 2]],
    [
      ["a.js", 0, 1],
      ["a.js", 1, 1],
    ],
    [["a.js", 0.5, 1]],
    [[1, 0, 1]],
    "a.js",
  ]) {
    expect(() => unpackSnapshot(index, bytes)).toThrow(
      expect.objectContaining({ code: "MODULE_BAD_REQUEST" }),
    );
  }
});
