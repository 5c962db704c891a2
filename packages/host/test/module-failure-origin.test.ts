// Errors name the package: a module that fails while it loads is named by
// package and file, in the cell's terms, never by a host path.
import { afterAll, expect, test } from "vitest";
import "../src/index.js";
import { makeModuleLoader } from "../src/module/module-loader.js";
import { originOfLocation } from "../src/module/module-failure-origin.js";
import { makePluginDir, manifest, type PluginDir } from "./fixtures/module-plugin-dir.js";

const dirs: PluginDir[] = [];
afterAll(async () => Promise.all(dirs.map((d) => d.dispose())));

const failure = async (
  files: Record<string, string>,
): Promise<{ code: string; message: string; root: string }> => {
  const dir = await makePluginDir({
    "package.json": manifest({
      type: "module",
      dependencies: { lib: "1.0.0", "@scope/esm": "1.0.0" },
    }),
    "node_modules/lib/package.json": JSON.stringify({ name: "lib", version: "1.0.0" }),
    "node_modules/@scope/esm/package.json": JSON.stringify({
      name: "@scope/esm",
      version: "1.0.0",
      type: "module",
    }),
    ...files,
  });
  dirs.push(dir);
  const loader = makeModuleLoader({ root: dir.root, allow: ["lib", "@scope/esm"] });
  const error = (await loader.importModule("./index.js").then(
    () => undefined,
    (e: unknown) => e,
  )) as { code: string; message: string };
  expect(error).toBeDefined();
  return { code: error.code, message: error.message, root: dir.root };
};

test("a CommonJS dependency that throws while loading is named by package and file, not the module that required it", async () => {
  const { code, message, root } = await failure({
    "node_modules/lib/index.js": "module.exports = require('./lib/inner.js');",
    "node_modules/lib/lib/inner.js": "var root = undefined;\nexports.x = root.Array;",
    "index.js": 'import lib from "lib"; export const x = lib;',
  });
  expect(code).toBe("MODULE_LOAD_FAILED");
  expect(message).toContain("package lib, file ./lib/inner.js");
  expect(message).toContain("reading 'Array'");
  expect(message).not.toContain(root);
});

test("an ES module dependency that throws is named with its line", async () => {
  const { message, root } = await failure({
    "node_modules/@scope/esm/index.js": "export const a = 1;\nnull.boom;",
    "index.js": 'import { a } from "@scope/esm"; export { a };',
  });
  expect(message).toMatch(/package @scope\/esm, file \.\/index\.js:2:\d+/);
  expect(message).not.toContain(root);
});

test("a dependency rejected at parse time is named by package", async () => {
  const { message } = await failure({
    "node_modules/lib/index.js": "module.exports = function (",
    "index.js": 'import lib from "lib"; export const x = lib;',
  });
  expect(message).toContain("in package lib");
});

test("origins describe only the virtual plugin space", () => {
  expect(originOfLocation("file:///plugin/node_modules/a/node_modules/@b/c/x/y.js:1:2")).toEqual({
    packageName: "@b/c",
    file: "./x/y.js:1:2",
  });
  expect(originOfLocation("file:///plugin/src/index.js")).toEqual({
    packageName: undefined,
    file: "./src/index.js",
  });
  expect(originOfLocation("file:///home/user/secret.js")).toBeUndefined();
});

test("invariant 2: finding the origin runs no code of the module (no stack getter, no proxy trap)", async () => {
  const dir = await makePluginDir({
    "package.json": manifest({ type: "module", dependencies: { lib: "1.0.0" } }),
    "node_modules/lib/package.json": JSON.stringify({ name: "lib", version: "1.0.0" }),
    "node_modules/lib/calls.js": "exports.calls = [];",
    "node_modules/lib/index.js": `
      const { calls } = require("./calls.js");
      const e = new Error("planted");
      Object.defineProperty(e, "stack", { get() { calls.push("stack getter"); return "x"; } });
      throw e;`,
    "index.js": 'import lib from "lib"; export const x = lib;',
    "probe.js": 'import calls from "lib/calls.js"; export const seen = [...calls.calls];',
  });
  dirs.push(dir);
  const loader = makeModuleLoader({ root: dir.root, allow: ["lib", "lib/*"] });
  const error = (await loader.importModule("./index.js").catch((e: unknown) => e)) as Error;
  expect(error.message).toContain("package lib, file ./index.js");
  expect(error.message).toContain("planted");
  const probe = await loader.importModule("./probe.js");
  expect(probe.seen).toEqual([]);
});
