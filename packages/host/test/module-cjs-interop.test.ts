// CommonJS interop in a cell behaves as in Node: named imports of what
// Node's lexer detects, require cycles, the require.extensions stub, and a
// file whose last line is a comment without a line end.
import { afterAll, expect, test } from "vitest";
import "../src/index.js";
import { makeModuleLoader } from "../src/module/module-loader.js";
import { makePluginDir, manifest, type PluginDir } from "./fixtures/module-plugin-dir.js";

const dirs: PluginDir[] = [];
afterAll(async () => Promise.all(dirs.map((d) => d.dispose())));

const lib = (files: Record<string, string>): Record<string, string> => {
  const out: Record<string, string> = {
    "package.json": manifest({ type: "module", dependencies: { lib: "1.0.0" } }),
    "node_modules/lib/package.json": JSON.stringify({ name: "lib", version: "1.0.0" }),
  };
  for (const [path, text] of Object.entries(files))
    out[path.startsWith("lib/") ? `node_modules/${path}` : path] = text;
  return out;
};

const load = async (files: Record<string, string>, entry = "./index.js") => {
  const dir = await makePluginDir(lib(files));
  dirs.push(dir);
  return makeModuleLoader({ root: dir.root, allow: ["lib", "lib/*"] }).importModule(entry);
};

test("class: a CommonJS file ending in a comment without a line end (a source-map comment) loads", async () => {
  const ns = await load({
    "lib/index.js": "module.exports = { value: 5 };\n//# sourceMappingURL=index.js.map",
    "lib/last.js": "exports.n = 1; // trailing comment",
    "index.js":
      'import lib from "lib"; import { n } from "lib/last.js"; export const value = lib.value + n;',
  });
  expect(ns.value).toBe(6);
});

test("named imports from module.exports = { a, b } and from exports.x assignments", async () => {
  const ns = await load({
    "lib/index.js": "const a = 1; function b() { return 2; }\nmodule.exports = { a, b };",
    "lib/inner.js": "exports.z = 'z';",
    // What TypeScript emits for `export { z } from './inner'`, and a value.
    "lib/props.js":
      "exports.x = 'x'; Object.defineProperty(exports, 'y', { value: 'y' });\nvar inner_1 = require('./inner.js');\nObject.defineProperty(exports, 'z', { enumerable: true, get: function () { return inner_1.z; } });",
    "index.js":
      'import { a, b } from "lib"; import { x, y, z } from "lib/props.js"; export const all = [a, b(), x, y, z];',
  });
  expect(ns.all).toEqual([1, 2, "x", "y", "z"]);
});

test("require cycles see the partial exports of the module being loaded, as in Node", async () => {
  const ns = await load({
    "lib/index.js":
      "exports.early = 1; const b = require('./b.js'); exports.value = 'a+' + b.value;",
    "lib/b.js":
      "const a = require('./index.js'); exports.value = 'b saw ' + a.early + ',' + a.value;",
    "index.js": 'import { value } from "lib"; export { value };',
  });
  expect(ns.value).toBe("a+b saw 1,undefined");
});

test("require.extensions is readable (packages test it to feature-detect)", async () => {
  const ns = await load({
    "lib/index.js":
      "module.exports = { ts: '.ts' in require.extensions, js: typeof require.extensions['.js'] };",
    "index.js": 'import lib from "lib"; export const r = lib;',
  });
  expect(ns.r).toEqual({ ts: false, js: "function" });
});

test("class: in a require cycle, a module sees the value the other assigned to module.exports so far (semver's classes)", async () => {
  const ns = await load({
    "lib/range.js":
      "class Range {}\nmodule.exports = Range;\nconst Comparator = require('./comparator.js');\nRange.prototype.isComparator = (c) => c instanceof Comparator;",
    "lib/comparator.js":
      "const Range = require('./range.js');\nclass Comparator { range() { return typeof Range; } }\nmodule.exports = Comparator;",
    "lib/index.js":
      "const Range = require('./range.js'); const Comparator = require('./comparator.js');\nmodule.exports = Object.freeze({ check: [new Range().isComparator(new Comparator()), new Comparator().range()] });",
    "index.js": 'import lib from "lib"; export const check = lib.check;',
  });
  expect(ns.check).toEqual([true, "function"]);
});

test("a CommonJS file starting with a hashbang line loads", async () => {
  const ns = await load({
    "lib/index.js": "#!/usr/bin/env node\nmodule.exports = 7;",
    "index.js": 'import lib from "lib"; export const n = lib;',
  });
  expect(ns.n).toBe(7);
});

test("class: a package may register a file type in require.extensions (handlebars does); it stays its own", async () => {
  const ns = await load({
    "lib/index.js":
      "require.extensions['.hbs'] = function () {};\nrequire.extensions['.js'] = function () { throw new Error('hooked'); };\nmodule.exports = { registered: typeof require.extensions['.hbs'], other: require('./other.js') };",
    "lib/other.js": "module.exports = typeof require.extensions['.hbs'];",
    "index.js": 'import lib from "lib"; export const r = lib;',
  });
  expect(ns.r).toEqual({ registered: "function", other: "undefined" });
});
