// Invariant 1 of module-map-bounds.ts: no package's exports map can make the
// loader redirect forever (endo#3349 made the host run out of memory).
import { afterAll, expect, test } from "vitest";
import "../src/index.js";
import { makeModuleLoader } from "../src/module/module-loader.js";
import {
  boundRedirects,
  MAX_REDIRECTS,
  withoutSelfExportPatterns,
} from "../src/module/module-map-bounds.js";
import { makePluginDir, manifest, type PluginDir } from "./fixtures/module-plugin-dir.js";

const dirs: PluginDir[] = [];
afterAll(async () => Promise.all(dirs.map((d) => d.dispose())));

test("class: an exports pattern that matches its own result loads the package instead of looping", async () => {
  const dir = await makePluginDir({
    "package.json": manifest({ type: "commonjs", dependencies: { hm: "1.0.0" } }),
    "index.js": 'exports.out = require("hm").minify("a   b") + require("hm/dist/extra").n;',
    "node_modules/hm/package.json": JSON.stringify({
      name: "hm",
      version: "1.0.0",
      exports: {
        ".": { require: "./dist/hm.cjs", import: "./src/hm.js" },
        "./dist/*": "./dist/*.js",
      },
    }),
    "node_modules/hm/dist/hm.cjs": "module.exports = { minify: (s) => s.split(/ +/).join(' ') };",
    "node_modules/hm/dist/extra.js": "exports.n = 1;",
    "node_modules/hm/src/hm.js": "export const minify = (s) => s;",
  });
  dirs.push(dir);
  const loader = makeModuleLoader({
    root: dir.root,
    allow: ["hm", "hm/*"],
    conditions: ["require"],
  });
  const ns = await loader.importModule("./index.js");
  expect(ns.out).toBe("a b1");
});

test("invariant 1: a chain of redirects longer than the bound fails with MODULE_LOAD_FAILED naming the package", () => {
  const redirects = boundRedirects();
  const self = {};
  const name = "file:///plugin/node_modules/grow/";
  redirects.name(self, name);
  // A map hook that grows the specifier forever, as the buggy mapper did.
  const hook = redirects.wrap(
    name,
    (s: string) => ({ compartment: self, namespace: `${s}.js` }),
    (e) => {
      throw e;
    },
  );
  let specifier = "./dist/a";
  let steps = 0;
  const run = () => {
    for (;;) {
      specifier = (hook(specifier) as { namespace: string }).namespace;
      steps += 1;
    }
  };
  expect(run).toThrow(
    expect.objectContaining({
      code: "MODULE_LOAD_FAILED",
      message: expect.stringContaining("package grow"),
    }),
  );
  expect(steps).toBe(MAX_REDIRECTS);
});

test("invariant 2: only a package's own relative export patterns are removed; name-prefixed copies stay", () => {
  const map = {
    entry: {},
    compartments: {
      a: {
        patterns: [
          { from: "./dist/*", to: "./dist/*.js" },
          { from: "#internal/*", to: "./lib/*.js" },
          { from: "b/x/*", to: "./x/*.js", compartment: "b" },
        ],
      },
      b: {},
    },
  };
  expect(withoutSelfExportPatterns(map).compartments).toEqual({
    a: {
      patterns: [
        { from: "#internal/*", to: "./lib/*.js" },
        { from: "b/x/*", to: "./x/*.js", compartment: "b" },
      ],
    },
    b: {},
  });
});
