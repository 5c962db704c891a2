// Plugin folders: real copies of npm packages, no link out of the folder.
// Invariant numbers refer to src/plugin-folder.ts.
import { existsSync } from "node:fs";
import { lstat, readFile, readdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir, preparePluginFolder } from "../src/plugin-folder.js";

const walk = async (dir: string): Promise<string[]> => {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push(path);
    if (entry.isDirectory()) out.push(...(await walk(path)));
  }
  return out;
};

describe("plugin folders", () => {
  it("invariant 1: markdown-it and its dependencies are copied, unmodified, with no symbolic link", async () => {
    const folder = await preparePluginFolder("markdown", ["markdown-it"]);
    try {
      const paths = await walk(folder.root);
      for (const path of paths) expect((await lstat(path)).isSymbolicLink()).toBe(false);
      const installed = await realpath(join(examplesDir, "node_modules", "markdown-it"));
      const copied = join(folder.root, "node_modules", "markdown-it");
      expect(await readFile(join(copied, "package.json"), "utf8")).toBe(
        await readFile(join(installed, "package.json"), "utf8"),
      );
      expect(existsSync(join(copied, "node_modules", "entities", "package.json"))).toBe(true);
      expect(existsSync(join(folder.root, "index.js"))).toBe(true);
    } finally {
      await folder.dispose();
    }
    expect(existsSync(folder.root)).toBe(false);
  });

  it("invariant 2: a failed copy leaves nothing behind", async () => {
    await expect(preparePluginFolder("markdown", ["no-such-package-here"])).rejects.toThrow(
      /no-such-package-here is not installed/,
    );
    await expect(preparePluginFolder("no-such-plugin")).rejects.toThrow();
  });
});
