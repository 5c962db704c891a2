// Module loading in cells: ES modules, CommonJS, JSON, unmodified npm
// packages, per-cell instances, grants as builtins. Attacks on the loader's
// boundaries are in module-attacks.test.ts.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CellError } from "@padded-cell/membrane";
import { makeModuleLoader } from "../src/module/module-loader.js";
import { moduleErrorCodes } from "../src/module/module-error-codes.js";
import { makePluginDir, manifest, type PluginDir } from "./fixtures/module-plugin-dir.js";

const dirs: PluginDir[] = [];
const plugin = async (files: Record<string, string>, packages: string[] = []) => {
  const dir = await makePluginDir(files, packages);
  dirs.push(dir);
  return dir.root;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => d.dispose()));
});

/** Resolves to the CellError `promise` rejects with (fails if it resolves). */
const rejection = async (promise: Promise<unknown>): Promise<CellError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CellError);
    return error as CellError;
  }
  throw new Error("expected a rejection");
};

type Fn = (...args: any[]) => any;

describe("unmodified npm packages run in a cell with no Node authority", () => {
  it("markdown-it renders markdown (ESM plugin, ESM package with dependencies)", async () => {
    const root = await plugin(
      {
        "package.json": manifest({ type: "module", dependencies: { "markdown-it": "*" } }),
        "index.js": `
          import MarkdownIt from "markdown-it";
          const md = new MarkdownIt({ linkify: true });
          export const render = (text) => md.render(text);
        `,
      },
      ["markdown-it"],
    );
    const loader = makeModuleLoader({ root, allow: ["markdown-it"], builtins: {}, globals: {} });
    const { render } = await loader.importModule("./index.js");
    expect((render as Fn)("# Title\n\n*hi* <!-- c --> see https://example.com")).toBe(
      '<h1>Title</h1>\n<p><em>hi</em> &lt;!-- c --&gt; see <a href="https://example.com">https://example.com</a></p>\n',
    );
  });

  it("yaml parses and stringifies (CommonJS plugin requiring an ESM-in-subfolder package)", async () => {
    const root = await plugin(
      {
        "package.json": manifest({ dependencies: { yaml: "*" } }),
        "index.js": `
          const YAML = require("yaml");
          exports.load = (text) => YAML.parse(text);
          exports.dump = (value) => YAML.stringify(value);
        `,
      },
      ["yaml"],
    );
    const loader = makeModuleLoader({ root, allow: ["yaml"], builtins: {}, globals: {} });
    const ns = await loader.importModule("./index.js");
    expect((ns.load as Fn)("a: [1, 2]\nb: { c: true }")).toEqual({ a: [1, 2], b: { c: true } });
    expect((ns.dump as Fn)({ x: "y", n: [1] })).toBe("x: y\nn:\n  - 1\n");
    // With the "node" condition, yaml's Node build wants the process and
    // buffer builtins, which no grant provides: the reason the default has
    // no conditions.
    const nodeBuild = makeModuleLoader({ root, allow: ["yaml"], conditions: ["node"] });
    const error = await rejection(nodeBuild.importModule("./index.js"));
    expect(error.code).toBe("MODULE_DENIED");
    expect(error.message).toMatch(/^Denied: import of "(process|buffer)"/);
    // The host may import an allowed package directly.
    const direct = await makeModuleLoader({ root, allow: ["yaml"] }).importModule("yaml");
    expect((direct.parse as Fn)("k: v")).toEqual({ k: "v" });
  });
});

describe("module formats", () => {
  it("loads ESM, CommonJS and JSON from the plugin folder and its node_modules", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module", dependencies: { counter: "1.0.0" } }),
      "index.js": `
        import data from "./data.json";
        import cjs, { double } from "./lib/legacy.cjs";
        import { next } from "counter";
        export const result = [data.n, double(data.n), cjs.double(1), next(), next()];
      `,
      "data.json": '{ "n": 21 }',
      "lib/legacy.cjs": "exports.double = (n) => n * 2;",
      "node_modules/counter/package.json": JSON.stringify({
        name: "counter",
        version: "1.0.0",
        main: "index.js",
      }),
      "node_modules/counter/index.js": "let n = 0; exports.next = () => ++n;",
    });
    const loader = makeModuleLoader({ root, allow: ["counter"], builtins: {}, globals: {} });
    const { result } = await loader.importModule("./index.js");
    expect(result).toEqual([21, 42, 2, 1, 2]);
  });

  it("CommonJS interop: require() of an ES module gives its default export if it has one, else its namespace", async () => {
    const root = await plugin({
      "package.json": manifest({}),
      "index.js": `
        const withDefault = require("./with-default.mjs");
        const named = require("./named.mjs");
        const f = require("./f.js");
        module.exports = { withDefault, keys: Object.keys(named).sort(), answer: named.answer, fromF: f(2) };
      `,
      "with-default.mjs": "export const answer = 42; export default 'd';",
      "named.mjs": "export const answer = 42; export const other = 1;",
      "f.js": "module.exports = (x) => x + 1;",
    });
    const loader = makeModuleLoader({ root, builtins: {}, globals: {} });
    const ns = await loader.importModule("./index.js");
    expect(ns.default).toEqual({
      withDefault: "d",
      keys: ["answer", "other"],
      answer: 42,
      fromF: 3,
    });
    // Named exports of a CommonJS module are what its source shows statically.
    expect(ns.answer).toBe(42);
    const f = await loader.importModule("./f.js");
    expect((f.default as Fn)(1)).toBe(2);
  });

  it("dynamic import() and a computed require() of plugin files work", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module" }),
      "index.js": `export const load = async (name) => (await import("./parts/" + name + ".js")).value;`,
      "parts/a.js": "export const value = 'A';",
      "req.cjs": `exports.get = (name) => require("./parts-cjs/" + name).value;`,
      "parts-cjs/b.cjs": "exports.value = 'B';",
    });
    const loader = makeModuleLoader({ root, builtins: {}, globals: {} });
    const { load } = await loader.importModule("./index.js");
    expect(await (load as Fn)("a")).toBe("A");
    const { get } = await loader.importModule("./req.cjs");
    expect((get as Fn)("b.cjs")).toBe("B");
  });

  it("invariant 4: import.meta holds only a virtual url; __filename and __dirname are virtual", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module" }),
      "lib/meta.js":
        "export const meta = import.meta; export const keys = Object.keys(import.meta);",
      "lib/paths.cjs": "exports.paths = [__filename, __dirname];",
    });
    const loader = makeModuleLoader({ root, builtins: {}, globals: {} });
    const { meta, keys } = await loader.importModule("./lib/meta.js");
    expect(keys).toEqual(["url"]);
    expect((meta as { url: string }).url).toBe("file:///plugin/lib/meta.js");
    const { paths } = await loader.importModule("./lib/paths.cjs");
    expect(paths).toEqual(["/plugin/lib/paths.cjs", "/plugin/lib"]);
    expect(JSON.stringify([meta, paths])).not.toContain(root);
  });

  it("a module with a syntax error fails with MODULE_SYNTAX naming the module, not a host path", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module" }),
      "index.js": 'import "./broken.js";',
      "broken.js": "export const = 1;",
    });
    const loader = makeModuleLoader({ root, builtins: {}, globals: {} });
    const error = await rejection(loader.importModule("./index.js"));
    expect(error.code).toBe("MODULE_SYNTAX");
    expect(error.message).toContain("broken.js");
    expect(error.message).not.toContain(root);
  });

  it("top-level await is not supported and says so with MODULE_SYNTAX", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module" }),
      "index.js": "export const x = await Promise.resolve(1);",
    });
    const loader = makeModuleLoader({ root, builtins: {}, globals: {} });
    const error = await rejection(loader.importModule("./index.js"));
    expect(error.code).toBe("MODULE_SYNTAX");
    expect(error.message).not.toContain(root);
  });

  it("import() inside a CommonJS module is not supported and fails with MODULE_SYNTAX", async () => {
    const root = await plugin({
      "package.json": manifest({}),
      "index.js": "exports.load = () => import('./other.js');",
      "other.js": "exports.x = 1;",
    });
    const loader = makeModuleLoader({ root, builtins: {}, globals: {} });
    const error = await rejection(loader.importModule("./index.js"));
    expect(error.code).toBe("MODULE_SYNTAX");
    expect(error.message).toContain("SES_IMPORT_REJECTED");
  });

  it("a missing module fails with MODULE_NOT_FOUND in the cell's terms", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module" }),
      "index.js": 'import "./nope.js";',
    });
    const loader = makeModuleLoader({ root, builtins: {}, globals: {} });
    const error = await rejection(loader.importModule("./index.js"));
    expect(error.code).toBe("MODULE_NOT_FOUND");
    expect(error.message).toContain("./nope.js");
    expect(error.message).not.toContain(root);
  });
});

describe("module-default-package: a single-file plugin needs no package.json", () => {
  it("a folder without package.json loads its .js files as ES modules", async () => {
    const root = await plugin({ "index.js": "export const answer = 42;" });
    const loader = makeModuleLoader({ root, builtins: {}, globals: {} });
    const ns = (await loader.importModule("./index.js")) as { answer: number };
    expect(ns.answer).toBe(42);
  });

  it("invariant 2: a package.json without a name keeps its own fields (type commonjs stays CommonJS)", async () => {
    const root = await plugin({
      "package.json": JSON.stringify({ type: "commonjs" }),
      "index.js": "module.exports = { kind: typeof require };",
    });
    const loader = makeModuleLoader({ root, builtins: {}, globals: {} });
    const ns = (await loader.importModule("./index.js")) as { default: { kind: string } };
    expect(ns.default.kind).toBe("function");
  });

  it("invariant 2: a package.json that is not a JSON object still fails to load", async () => {
    const root = await plugin({ "package.json": "[1, 2", "index.js": "export {};" });
    const loader = makeModuleLoader({ root, builtins: {}, globals: {} });
    const error = await rejection(loader.importModule("./index.js"));
    expect(error).toBeInstanceOf(CellError);
  });

  it("no dependencies are supplied: a bare import without a package.json is still refused", async () => {
    const root = await plugin({ "index.js": 'import "left-pad"; export {};' });
    const loader = makeModuleLoader({ root, builtins: {}, globals: {}, allow: ["left-pad"] });
    const error = await rejection(loader.importModule("./index.js"));
    expect(error.code).toMatch(/^MODULE_/);
  });
});

describe("invariant 3: every cell has its own module instances", () => {
  it("two loaders of the same plugin share no module state; one loader shares it between imports", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module", dependencies: { counter: "1.0.0" } }),
      "index.js": `import { next } from "counter"; export const tick = () => next();`,
      "other.js": `import { next } from "counter"; export const tick = () => next();`,
      "node_modules/counter/package.json": JSON.stringify({
        name: "counter",
        version: "1.0.0",
        main: "index.js",
      }),
      "node_modules/counter/index.js": "let n = 0; exports.next = () => ++n;",
    });
    const a = makeModuleLoader({ root, allow: ["counter"], builtins: {}, globals: {} });
    const b = makeModuleLoader({ root, allow: ["counter"], builtins: {}, globals: {} });
    const nsA = await a.importModule("./index.js");
    const nsB = await b.importModule("./index.js");
    expect([(nsA.tick as Fn)(), (nsA.tick as Fn)(), (nsA.tick as Fn)()]).toEqual([1, 2, 3]);
    expect((nsB.tick as Fn)()).toBe(1);
    // Within one cell, a second entry point sees the same instance.
    const otherA = await a.importModule("./other.js");
    expect((otherA.tick as Fn)()).toBe(4);
    expect(await a.importModule("./index.js")).toBe(nsA);
    expect(nsA).not.toBe(nsB);
  });

  it("compiled modules are shared between cells but instances are not; a changed file is compiled afresh", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module" }),
      "state.js": "let n = 0; export const next = () => ++n; export const version = 1;",
    });
    const first = await makeModuleLoader({ root }).importModule("./state.js");
    const second = await makeModuleLoader({ root }).importModule("./state.js");
    expect([(first.next as Fn)(), (first.next as Fn)(), (second.next as Fn)()]).toEqual([1, 2, 1]);
    await writeFile(join(root, "state.js"), "export const version = 2;");
    const third = await makeModuleLoader({ root }).importModule("./state.js");
    expect([first.version, third.version]).toEqual([1, 2]);
  });

  it("markdown-it instances differ between cells: a plugin added in one cell is absent in the other", async () => {
    const root = await plugin(
      {
        "package.json": manifest({ type: "module", dependencies: { "markdown-it": "*" } }),
        "index.js": `
          import MarkdownIt from "markdown-it";
          export const patch = () => { MarkdownIt.prototype.patched = true; };
          export const isPatched = () => MarkdownIt.prototype.patched === true;
        `,
      },
      ["markdown-it"],
    );
    const a = makeModuleLoader({ root, allow: ["markdown-it"], builtins: {}, globals: {} });
    const b = makeModuleLoader({ root, allow: ["markdown-it"], builtins: {}, globals: {} });
    const nsA = await a.importModule("./index.js");
    const nsB = await b.importModule("./index.js");
    (nsA.patch as Fn)();
    expect((nsA.isPatched as Fn)()).toBe(true);
    expect((nsB.isPatched as Fn)()).toBe(false);
  });

  it("globals endowments appear in every package; globalThis is frozen and is not the host's", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module", dependencies: { dep: "1.0.0" } }),
      "index.js": `
        import { greet } from "dep";
        export const seen = () => [typeof process, typeof require, typeof Buffer, greet()];
        export const setGlobal = () => { globalThis.mine = 1; };
      `,
      "node_modules/dep/package.json": JSON.stringify({
        name: "dep",
        version: "1.0.0",
        main: "index.js",
      }),
      "node_modules/dep/index.js": "exports.greet = () => hello('dep');",
    });
    const hello = harden((who: string) => `hello ${who}`);
    const loader = makeModuleLoader({
      root,
      allow: ["dep"],
      builtins: {},
      globals: { hello },
    });
    const ns = await loader.importModule("./index.js");
    expect((ns.seen as Fn)()).toEqual(["undefined", "undefined", "undefined", "hello dep"]);
    expect(() => (ns.setGlobal as Fn)()).toThrow(TypeError);
  });

  it("globals and builtins must be hardened by the host; the loader never freezes host objects itself", () => {
    const mutable = { x: 1 };
    expect(() => makeModuleLoader({ root: "/x", builtins: {}, globals: { mutable } })).toThrow(
      expect.objectContaining({ code: "MODULE_BAD_REQUEST" }),
    );
    expect(() => makeModuleLoader({ root: "/x", builtins: { fs: mutable }, globals: {} })).toThrow(
      expect.objectContaining({ code: "MODULE_BAD_REQUEST" }),
    );
    expect(Object.isFrozen(mutable)).toBe(false);
  });
});

describe("invariant 2: builtins come only from grants", () => {
  it("a builtin facade in `builtins` is importable by ESM (named and default) and CommonJS", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module" }),
      "index.js": `
        import fs, { readFile } from "node:fs/promises";
        import { read } from "./legacy.cjs";
        export const run = async () => [await readFile("/a.txt"), fs.readFile === readFile, await read()];
      `,
      "legacy.cjs": `const fs = require("fs/promises"); exports.read = () => fs.readFile("/b.txt");`,
    });
    const facade = harden({ readFile: async (p: string) => `contents of ${p}` });
    const loader = makeModuleLoader({
      root,
      builtins: { "node:fs/promises": facade, "fs/promises": facade },
      globals: {},
    });
    const { run } = await loader.importModule("./index.js");
    expect(await (run as Fn)()).toEqual(["contents of /a.txt", true, "contents of /b.txt"]);
  });

  it("a builtin without a facade is denied even when the same module under another name is granted", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module" }),
      "index.js": 'import "node:fs";',
    });
    const facade = harden({ readFile: async () => "" });
    const loader = makeModuleLoader({
      root,
      builtins: { "node:fs/promises": facade },
      globals: {},
    });
    const error = await rejection(loader.importModule("./index.js"));
    expect(error.code).toBe("MODULE_DENIED");
    expect(error.message).toBe(
      'Denied: import of "node:fs". node:fs is provided only when the cell is granted fs.',
    );
  });
});

describe("the imports allow list", () => {
  const counterFiles = {
    "node_modules/counter/package.json": JSON.stringify({
      name: "counter",
      version: "1.0.0",
      main: "index.js",
    }),
    "node_modules/counter/index.js": "let n = 0; exports.next = () => ++n;",
    "node_modules/counter/extra.js": "module.exports = 'extra';",
  };

  it("an installed but unlisted package is denied with MODULE_DENIED telling how to allow it", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module", dependencies: { counter: "1.0.0" } }),
      "index.js": 'import "counter";',
      ...counterFiles,
    });
    const loader = makeModuleLoader({ root, builtins: {}, globals: {} });
    const error = await rejection(loader.importModule("./index.js"));
    expect(error.code).toBe("MODULE_DENIED");
    expect(error.message).toBe(
      `Denied: import of "counter". Add 'counter' (or 'counter/*' for all its subpaths) to the cell's imports allow list.`,
    );
    // The host asking for it directly is held to the same list.
    expect((await rejection(loader.importModule("counter"))).code).toBe("MODULE_DENIED");
  });

  it("an exact entry does not allow subpaths; 'pkg/*' does", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module", dependencies: { counter: "1.0.0" } }),
      "index.js": 'import extra from "counter/extra.js"; export { extra };',
      ...counterFiles,
    });
    const exact = makeModuleLoader({ root, allow: ["counter"], builtins: {}, globals: {} });
    expect((await rejection(exact.importModule("./index.js"))).code).toBe("MODULE_DENIED");
    const wide = makeModuleLoader({ root, allow: ["counter/*"], builtins: {}, globals: {} });
    expect((await wide.importModule("./index.js")).extra).toBe("extra");
  });

  it("an allowed package that is not installed fails with MODULE_NOT_FOUND", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module" }),
      "index.js": 'import "left-pad";',
    });
    const loader = makeModuleLoader({ root, allow: ["left-pad"], builtins: {}, globals: {} });
    const error = await rejection(loader.importModule("./index.js"));
    expect(error.code).toBe("MODULE_NOT_FOUND");
    expect(error.message).toContain("install 'left-pad'");
  });

  it("bad allow-list entries are refused with MODULE_BAD_REQUEST", () => {
    for (const entry of ["", "../x", "/abs", "node:fs", "fs", "a b", "@scope"]) {
      expect(() =>
        makeModuleLoader({ root: "/x", allow: [entry], builtins: {}, globals: {} }),
      ).toThrow(expect.objectContaining({ code: "MODULE_BAD_REQUEST" }));
    }
  });
});

describe("error codes", () => {
  it("every code has a cause and a mitigation", () => {
    for (const [code, entry] of Object.entries(moduleErrorCodes)) {
      expect(code).toMatch(/^MODULE_[A-Z_]+$/);
      expect(entry.cause.length).toBeGreaterThan(20);
      expect(entry.mitigation.length).toBeGreaterThan(20);
    }
  });
});
