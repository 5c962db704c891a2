// Attacks on the module loader's boundaries: escaping the plugin root
// (invariant 1), reaching Node builtins or unlisted packages (invariant 2),
// sharing state between cells (invariant 3), learning host paths
// (invariant 4) and changing shared intrinsics (invariant 5). Invariant
// numbers are those of src/module-loader.ts.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { CellError } from "@padded-cell/membrane";
import { makeModuleLoader } from "../src/module/module-loader.js";
import { moduleErrorCodes } from "../src/module/module-error-codes.js";
import { makePluginDir, manifest, type PluginDir } from "./fixtures/module-plugin-dir.js";

const dirs: PluginDir[] = [];
const plugin = async (files: Record<string, string>) => {
  const dir = await makePluginDir(files);
  dirs.push(dir);
  return dir.root;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => d.dispose()));
});

/** Writes a module OUTSIDE the plugin root (a sibling of it) and returns its path. */
const outsideModule = async (root: string, name: string, text: string) => {
  const file = join(dirname(root), name);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
};

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
const esm = (index: string, extra: Record<string, string> = {}) => ({
  "package.json": manifest({ type: "module" }),
  "index.js": index,
  ...extra,
});

describe("invariant 1: no file outside the plugin root is ever loaded", () => {
  it("static import of ../../../etc/passwd fails with MODULE_OUTSIDE_ROOT", async () => {
    const root = await plugin(esm('import "../../../etc/passwd";'));
    const error = await rejection(makeModuleLoader({ root }).importModule("./index.js"));
    expect(error.code).toBe("MODULE_OUTSIDE_ROOT");
    expect(error.message).toContain('"../../../etc/passwd"');
    expect(error.message).toContain("inside their plugin folder");
    expect(error.message).not.toContain(root);
  });

  it("../ to a real module just outside the root is refused from ESM, CommonJS and the host", async () => {
    const root = await plugin({
      "package.json": manifest({}),
      "index.mjs": 'export { secret } from "../secret.mjs";',
      "index.cjs": 'module.exports = require("../secret.cjs");',
      "lazy.cjs": 'exports.get = () => require("../" + "secret.cjs");',
    });
    await outsideModule(root, "secret.mjs", "export const secret = 'OUTSIDE';");
    await outsideModule(root, "secret.cjs", "exports.secret = 'OUTSIDE';");
    const loader = makeModuleLoader({ root });
    expect((await rejection(loader.importModule("./index.mjs"))).code).toBe("MODULE_OUTSIDE_ROOT");
    expect((await rejection(loader.importModule("./index.cjs"))).code).toBe("MODULE_OUTSIDE_ROOT");
    expect((await rejection(loader.importModule("../secret.mjs"))).code).toBe(
      "MODULE_OUTSIDE_ROOT",
    );
    const { get } = await loader.importModule("./lazy.cjs");
    expect(() => (get as Fn)()).toThrow();
  });

  it("absolute paths and file: URLs are refused, even when they point inside the root", async () => {
    const root = await plugin(
      esm(
        `export const load = (s) => import(s).then(() => "loaded", (e) => [e.code, e.message]);`,
        { "inside.js": "export const x = 1;" },
      ),
    );
    await outsideModule(root, "secret.js", "export const secret = 'OUTSIDE';");
    const loader = makeModuleLoader({ root });
    const { load } = await loader.importModule("./index.js");
    for (const specifier of [
      "/etc/passwd",
      "file:///etc/passwd",
      `file://${join(dirname(root), "secret.js")}`,
      join(dirname(root), "secret.js"),
      join(root, "inside.js"),
      `file://${join(root, "inside.js")}`,
      "data:text/javascript,export default 1",
      "https://example.com/x.js",
    ]) {
      const [code, message] = (await (load as Fn)(specifier)) as [string, string];
      expect(code).toBe("MODULE_OUTSIDE_ROOT");
      expect(message).toContain("Absolute paths and URLs are not importable");
      expect((await rejection(loader.importModule(specifier))).code).toBe("MODULE_OUTSIDE_ROOT");
    }
  });

  it("a symbolic link to a file outside the root is refused with MODULE_OUTSIDE_ROOT", async () => {
    const root = await plugin(esm('export { secret } from "./evil.js";'));
    const target = await outsideModule(root, "secret.js", "export const secret = 'OUTSIDE';");
    await symlink(target, join(root, "evil.js"));
    const error = await rejection(makeModuleLoader({ root }).importModule("./index.js"));
    expect(error.code).toBe("MODULE_OUTSIDE_ROOT");
    expect(error.message).toContain("./evil.js");
    expect(error.message).not.toContain(dirname(root));
  });

  it("a symbolic link to a directory outside the root is refused", async () => {
    const root = await plugin(esm('export { secret } from "./lib/secret.js";'));
    await outsideModule(root, "elsewhere/secret.js", "export const secret = 'OUTSIDE';");
    await symlink(join(dirname(root), "elsewhere"), join(root, "lib"));
    const error = await rejection(makeModuleLoader({ root }).importModule("./index.js"));
    expect(error.code).toBe("MODULE_OUTSIDE_ROOT");
    expect(error.message).not.toContain(dirname(root));
  });

  it("a symlinked package pointing outside the root is refused", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module", dependencies: { evil: "1.0.0" } }),
      "index.js": 'export { secret } from "evil";',
    });
    await outsideModule(
      root,
      "evil-pkg/package.json",
      JSON.stringify({ name: "evil", version: "1.0.0", main: "index.js" }),
    );
    await outsideModule(root, "evil-pkg/index.js", "exports.secret = 'OUTSIDE';");
    await mkdir(join(root, "node_modules"));
    await symlink(join(dirname(root), "evil-pkg"), join(root, "node_modules", "evil"));
    const error = await rejection(
      makeModuleLoader({ root, allow: ["evil"] }).importModule("./index.js"),
    );
    expect(error.code).toBe("MODULE_OUTSIDE_ROOT");
    expect(error.message).toContain("node_modules/evil");
    expect(error.message).not.toContain(dirname(root));
  });

  it("a hostile package.json (main, exports, dependency names with ../) cannot point outside the root", async () => {
    const evilManifest = (fields: Record<string, unknown>) =>
      JSON.stringify({ name: "evil", version: "1.0.0", ...fields });
    for (const fields of [
      { main: "../../../secret.js" },
      { main: "/secret.js" },
      { exports: { ".": "../../../secret.js" } },
      { exports: { ".": "./../../../secret.js" } },
    ]) {
      const root = await plugin({
        "package.json": manifest({
          type: "module",
          dependencies: { evil: "1.0.0", "../../..": "1.0.0" },
        }),
        "index.js": 'export { secret } from "evil";',
        "node_modules/evil/package.json": evilManifest(fields),
      });
      await outsideModule(root, "secret.js", "export const secret = 'OUTSIDE';");
      const outcome = await makeModuleLoader({ root, allow: ["evil"] })
        .importModule("./index.js")
        .then(
          (ns) => ns.secret,
          (e: unknown) => e,
        );
      expect(outcome).toBeInstanceOf(CellError);
      expect((outcome as CellError).message).not.toContain(dirname(root));
    }
  });

  it("symbolic links that stay inside the root (a pnpm-style layout) are followed", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module", dependencies: { dep: "1.0.0" } }),
      "index.js": 'export { value } from "dep";',
      "node_modules/.store/dep@1.0.0/node_modules/dep/package.json": JSON.stringify({
        name: "dep",
        version: "1.0.0",
        main: "index.js",
      }),
      "node_modules/.store/dep@1.0.0/node_modules/dep/index.js": "exports.value = 'inside';",
    });
    await symlink(
      join(root, "node_modules/.store/dep@1.0.0/node_modules/dep"),
      join(root, "node_modules/dep"),
    );
    const ns = await makeModuleLoader({ root, allow: ["dep"] }).importModule("./index.js");
    expect(ns.value).toBe("inside");
  });

  it("property: no relative specifier, however encoded, loads the module outside the root", async () => {
    const root = await plugin(
      esm(`export const load = (s) => import(s).then((ns) => ns.secret, (e) => e);`, {
        "lib/x.js": "export const secret = 'inside';",
        "lib/cjs.cjs": `exports.load = (s) => { try { return require(s).secret; } catch (e) { return e; } };`,
      }),
    );
    await outsideModule(root, "secret.js", "export const secret = 'OUTSIDE';");
    await outsideModule(root, "etc/secret.js", "export const secret = 'OUTSIDE';");
    const loader = makeModuleLoader({ root });
    const { load } = await loader.importModule("./index.js");
    const { load: requireIt } = await loader.importModule("./lib/cjs.cjs");
    const segment = fc.constantFrom(
      "..",
      ".",
      "%2e%2e",
      "%2E%2e",
      "..%2f",
      "..%5c",
      "%2f",
      "lib",
      "etc",
      "secret.js",
      "x.js",
      "",
      "plugin",
      "\\..",
    );
    const specifier = fc
      .tuple(
        fc.constantFrom("./", "../", "../../", "./lib/../"),
        fc.array(segment, { maxLength: 6 }),
      )
      .map(([head, rest]) => head + rest.join("/"));
    await fc.assert(
      fc.asyncProperty(specifier, async (s) => {
        for (const outcome of [
          await (load as Fn)(s),
          (requireIt as Fn)(s),
          await loader.importModule(s).then(
            (ns) => ns.secret,
            (e: unknown) => e,
          ),
        ]) {
          expect(outcome).not.toBe("OUTSIDE");
          if (outcome instanceof Error) {
            expect(outcome.message).not.toContain(dirname(root));
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("invariant 2: Node builtins only through grants", () => {
  it("require('child_process') at load fails with MODULE_DENIED naming the builtin", async () => {
    const root = await plugin({
      "package.json": manifest({}),
      "index.js": "require('child_process').execSync('id');",
    });
    const error = await rejection(makeModuleLoader({ root }).importModule("./index.js"));
    expect(error.code).toBe("MODULE_DENIED");
    expect(error.message).toBe(
      'Denied: import of "child_process". Node builtin child_process is not available to cells; no grant provides it.',
    );
  });

  it("a require() of a denied builtin inside a function fails when it runs, with the same CellError", async () => {
    const root = await plugin({
      "package.json": manifest({}),
      "index.js": "exports.run = () => require('node:child_process');",
    });
    const { run } = await makeModuleLoader({ root }).importModule("./index.js");
    expect(() => (run as Fn)()).toThrow(expect.objectContaining({ code: "MODULE_DENIED" }));
  });

  it("a computed require() reaches the same decision: denied without the grant, the facade with it", async () => {
    const root = await plugin({
      "package.json": manifest({}),
      "index.js": "exports.load = (name) => require(name);",
    });
    const facade = harden({ readFile: async () => "data" });
    const { load } = await makeModuleLoader({
      root,
      builtins: { "node:fs/promises": facade },
    }).importModule("./index.js");
    expect(() => (load as Fn)("child_" + "process")).toThrow(
      expect.objectContaining({
        code: "MODULE_DENIED",
        message: expect.stringContaining("child_process is not available to cells"),
      }),
    );
    expect((load as Fn)("node:fs/" + "promises")).toBe(facade);
  });

  it("dynamic import() of a denied builtin, literal or computed, rejects with MODULE_DENIED", async () => {
    const root = await plugin(
      esm(
        `export const tryImport = (s) => import(s).then(() => "loaded", (e) => [e.code, e.message]);`,
      ),
    );
    const { tryImport } = await makeModuleLoader({ root }).importModule("./index.js");
    expect(await (tryImport as Fn)("node:child_process")).toEqual([
      "MODULE_DENIED",
      'Denied: import of "node:child_process". Node builtin child_process is not available to cells; no grant provides it.',
    ]);
    expect(await (tryImport as Fn)("node:" + "fs/promises")).toEqual([
      "MODULE_DENIED",
      'Denied: import of "node:fs/promises". node:fs/promises is provided only when the cell is granted fs.',
    ]);
    for (const name of [
      "process",
      "node:process",
      "vm",
      "node:vm",
      "worker_threads",
      "module",
      "node:module",
      "inspector",
      "node:net",
      "v8",
      "node:sqlite",
    ]) {
      expect((await (tryImport as Fn)(name))[0]).toBe("MODULE_DENIED");
    }
  });

  it("the allow list cannot be used to name a builtin", () => {
    for (const entry of ["child_process", "node:child_process", "fs/*"]) {
      expect(() => makeModuleLoader({ root: "/x", allow: [entry] })).toThrow(
        expect.objectContaining({ code: "MODULE_BAD_REQUEST" }),
      );
    }
  });

  it("a dependency cannot reach a builtin the cell was not granted either", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module", dependencies: { sneaky: "1.0.0" } }),
      "index.js": 'import "sneaky";',
      "node_modules/sneaky/package.json": JSON.stringify({
        name: "sneaky",
        version: "1.0.0",
        main: "index.js",
      }),
      "node_modules/sneaky/index.js": "require('fs').writeFileSync('/tmp/pwned', 'x');",
    });
    const error = await rejection(
      makeModuleLoader({ root, allow: ["sneaky"] }).importModule("./index.js"),
    );
    expect(error.code).toBe("MODULE_DENIED");
    expect(error.message).toContain("provided only when the cell is granted fs");
  });
});

describe("CommonJS escape hatches lead nowhere", () => {
  it("module, require and function constructors expose no loader internals and no host powers", async () => {
    const root = await plugin({
      "package.json": manifest({}),
      "index.js": `
        const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
        exports.report = () => ({
          cache: typeof require.cache,
          main: typeof require.main,
          parent: typeof module.parent,
          moduleRequire: typeof module.require,
          moduleCtorIsObject: module.constructor === Object,
          pollute: attempt(() => { module.constructor.prototype.polluted = 1; return "wrote"; }),
          requireCtor: attempt(() => typeof require.constructor("return this")()),
          fnCtorGlobal: attempt(() => (function () {}).constructor("return globalThis")()),
          cellFunction: attempt(() => { const g = Function("return globalThis")(); return [typeof g.process, typeof g.require, g === globalThis]; }),
          resolve: attempt(() => require.resolve("./index.js")),
          extensions: attempt(() => require.extensions[".js"]({}, "/etc/passwd")),
          addExtension: attempt(() => { require.extensions[".evil"] = () => 1; return "wrote"; }),
          thisIsExports: this === module.exports,
        });
      `,
    });
    const { report } = await makeModuleLoader({ root }).importModule("./index.js");
    const r = (report as Fn)() as Record<string, unknown>;
    expect(r).toEqual({
      cache: "undefined",
      main: "undefined",
      parent: "undefined",
      moduleRequire: "undefined",
      moduleCtorIsObject: true,
      pollute: "threw TypeError",
      // The shared Function.prototype.constructor is tamed by lockdown; the
      // cell's own Function evaluates in the cell's global scope only.
      requireCtor: "threw TypeError",
      fnCtorGlobal: "threw TypeError",
      cellFunction: ["undefined", "undefined", true],
      resolve: "threw Error",
      extensions: "threw Error",
      // Each module's own copy, shared with no other module and never used
      // to load anything (module-cjs-interop.test.ts checks both).
      addExtension: "wrote",
      thisIsExports: true,
    });
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("require.resolve's error does not reveal host paths", async () => {
    const root = await plugin({
      "package.json": manifest({}),
      "index.js":
        "exports.msg = () => { try { require.resolve('./index.js'); } catch (e) { return e.message; } };",
    });
    const { msg } = await makeModuleLoader({ root }).importModule("./index.js");
    expect((msg as Fn)()).not.toContain(dirname(root));
  });
});

describe("invariant 4: errors thrown into the cell carry no host path, in any property", () => {
  it("denials, misses and escapes seen by cell code have only the message as their stack", async () => {
    const root = await plugin({
      "package.json": manifest({}),
      "index.js": `
        const show = (e) => ({ code: e.code, stack: String(e.stack), props: Object.getOwnPropertyNames(e).sort(), frozen: Object.isFrozen(e) });
        exports.viaRequire = (s) => { try { require(s); return "loaded"; } catch (e) { return show(e); } };
      `,
      "dyn.mjs":
        "export const viaImport = (s) => import(s).then(() => 'loaded', (e) => ({ code: e.code, stack: String(e.stack) }));",
    });
    const loader = makeModuleLoader({ root });
    const { viaRequire } = await loader.importModule("./index.js");
    const { viaImport } = await loader.importModule("./dyn.mjs");
    const outcomes = [
      (viaRequire as Fn)("child_" + "process"),
      (viaRequire as Fn)("/etc/shadow"),
      (viaRequire as Fn)("../../outside.js"),
      (viaRequire as Fn)("./nope.js"),
      await (viaImport as Fn)("node:vm"),
      await (viaImport as Fn)("./nope.js"),
      await (viaImport as Fn)("../../../etc/passwd"),
      await (viaImport as Fn)("/etc/passwd"),
    ];
    for (const outcome of outcomes) {
      expect(outcome).not.toBe("loaded");
      expect(Object.keys(moduleErrorCodes)).toContain(outcome.code);
      expect(outcome.stack).not.toMatch(/\/work\/|\/tmp\/|node_modules|\.ts:|\.js:\d/);
      expect(outcome.stack).not.toContain(dirname(root));
    }
    expect(outcomes[0]).toMatchObject({
      code: "MODULE_DENIED",
      props: ["code", "message", "stack"],
      frozen: true,
    });
  });
});

describe("invariant 5: shared intrinsics are frozen", () => {
  it("a package that mutates Array.prototype fails to load, and the host's arrays are untouched", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module", dependencies: { polluter: "1.0.0" } }),
      "index.js": 'import "polluter";',
      "node_modules/polluter/package.json": JSON.stringify({
        name: "polluter",
        version: "1.0.0",
        main: "index.js",
      }),
      "node_modules/polluter/index.js":
        "Array.prototype.includes = () => true; Object.prototype.isAdmin = true;",
    });
    const error = await rejection(
      makeModuleLoader({ root, allow: ["polluter"] }).importModule("./index.js"),
    );
    expect(error.code).toBe("MODULE_LOAD_FAILED");
    expect([1].includes(2)).toBe(false);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it("ESM code cannot redefine intrinsics either", async () => {
    const root = await plugin(
      esm(
        `export const run = () => { try { Object.defineProperty(JSON, "parse", { value: () => 1 }); return "changed"; } catch (e) { return e.name; } };`,
      ),
    );
    const { run } = await makeModuleLoader({ root }).importModule("./index.js");
    expect((run as Fn)()).toBe("TypeError");
    expect(JSON.parse("2")).toBe(2);
  });
});

describe("invariant 3: cells cannot reach each other through modules", () => {
  it("a cell that rewrites a module's exported object does not affect another cell's instance", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module", dependencies: { config: "1.0.0" } }),
      "index.js": `import config from "config"; export const set = (v) => { config.mode = v; }; export const get = () => config.mode;`,
      "node_modules/config/package.json": JSON.stringify({
        name: "config",
        version: "1.0.0",
        main: "index.js",
      }),
      "node_modules/config/index.js": "module.exports = { mode: 'safe' };",
    });
    const a = await makeModuleLoader({ root, allow: ["config"] }).importModule("./index.js");
    const b = await makeModuleLoader({ root, allow: ["config"] }).importModule("./index.js");
    (a.set as Fn)("evil");
    expect((a.get as Fn)()).toBe("evil");
    expect((b.get as Fn)()).toBe("safe");
  });
});

describe("hostile arguments", () => {
  it("non-string specifiers, including objects with a hostile toString, are refused before use", async () => {
    const root = await plugin(esm("export {};"));
    const loader = makeModuleLoader({ root });
    let called = false;
    const hostile = { toString: () => ((called = true), "../../etc/passwd") };
    for (const bad of [hostile, 42, null, undefined, "", Symbol("x")]) {
      expect((await rejection(loader.importModule(bad as never))).code).toBe("MODULE_BAD_REQUEST");
    }
    expect(called).toBe(false);
  });

  it("a module that throws a hostile value at load still yields a CellError for the host", async () => {
    const root = await plugin({
      "package.json": manifest({ type: "module" }),
      "getter.js": "throw { get message() { throw new Error('gotcha'); } };",
      "proxy.js":
        "throw new Proxy({}, { has() { throw new Error('trap'); }, get() { throw new Error('trap'); } });",
      "plain.js": "throw new RangeError('plugin failed to start');",
    });
    const loader = makeModuleLoader({ root });
    for (const entry of ["./getter.js", "./proxy.js"]) {
      const error = await rejection(loader.importModule(entry));
      expect(error.code).toBe("MODULE_LOAD_FAILED");
      expect(error.message).toContain("no readable message");
    }
    const plain = await rejection(loader.importModule("./plain.js"));
    expect(plain.message).toMatch(
      /^Cannot import "\.\/plain\.js" \(failed in the plugin's file \.\/plain\.js:1:\d+\): plugin failed to start$/,
    );
  });

  it("every code a rejection carries is documented in the table", async () => {
    const root = await plugin(esm('import "./missing.js";'));
    const error = await rejection(makeModuleLoader({ root }).importModule("./index.js"));
    expect(Object.keys(moduleErrorCodes)).toContain(error.code);
  });
});
