// A cell imports an unmodified npm package and runs a plugin's main(caps),
// with builtins only as facades of its grants.
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDirCap } from "@padded-cell/caps";
import { afterAll, expect, test } from "vitest";
import { createHost } from "../src/index.js";
import { makePluginDir, type PluginDir } from "./fixtures/module-plugin-dir.js";

const dirs: PluginDir[] = [];
afterAll(async () => Promise.all(dirs.map((d) => d.dispose())));

test("a markdown plugin renders with markdown-it, reading and writing only what it was granted", async () => {
  const plugin = await makePluginDir(
    {
      "package.json": JSON.stringify({
        name: "md-plugin",
        type: "module",
        dependencies: { "markdown-it": "*" },
      }),
      "index.js": `
        import MarkdownIt from "markdown-it";
        import { readFile, writeFile } from "node:fs/promises";
        export async function main(caps) {
          const source = await readFile("/docs/index.md", "utf8");
          const html = new MarkdownIt().render(source);
          await caps.out.writeFile("/index.html", html);
          console.log("rendered", source.length, "bytes");
          return { length: html.length };
        }`,
    },
    ["markdown-it"],
  );
  dirs.push(plugin);
  const root = await mkdtemp(join(tmpdir(), "site-"));
  const out = await mkdtemp(join(tmpdir(), "out-"));
  await mkdir(join(root, "docs"));
  await writeFile(join(root, "docs", "index.md"), "# Hello\n\n*cells*");
  const host = await createHost();
  const good = await host.createCell({
    name: "md",
    root: plugin.root,
    imports: ["markdown-it"],
    grants: {
      fs: ({ scope }) => makeDirCap(root, { scope }).readOnly(),
      out: ({ scope }) => makeDirCap(out, { scope }),
    },
  });
  const result = (await good.run("./index.js")) as { length: number };
  expect(result.length).toBeGreaterThan(10);
  expect(await readFile(join(out, "index.html"), "utf8")).toContain("<h1>Hello</h1>");
  expect(good.output().stdout).toContain("rendered");
});

test("a plugin cannot import what it was not allowed, nor builtins it was not granted", async () => {
  const plugin = await makePluginDir(
    {
      "package.json": JSON.stringify({ name: "p", type: "module" }),
      "fs.js": `export const f = async () => (await import("node:fs/promises")).readFile("/x");`,
      "cp.js": `import "node:child_process";`,
      "yaml.js": `import "yaml";`,
    },
    ["yaml"],
  );
  dirs.push(plugin);
  const host = await createHost();
  const cell = await host.createCell({ name: "p", root: plugin.root });
  await expect(cell.import("./cp.js")).rejects.toMatchObject({ code: "MODULE_DENIED" });
  await expect(cell.import("./yaml.js")).rejects.toMatchObject({ code: "MODULE_DENIED" });
  const mod = await cell.import("./fs.js");
  await expect((mod.f as () => Promise<unknown>)()).rejects.toMatchObject({
    code: "MODULE_DENIED",
  });
});
