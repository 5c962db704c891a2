/**
 * Node builtins that need no grant, as per-cell instances of well-kept
 * pure-JS implementations: `buffer` (the `buffer` package, which browserify
 * and webpack use), `events` (`events`), `path` (`path-browserify`),
 * `string_decoder` (`string_decoder`) and `querystring` (`querystring-es3`).
 * Node's own cannot be handed to a cell: they are mutable objects of the
 * host's, and `Buffer.allocUnsafe` hands out memory from the host's pool,
 * which may hold the host's data.
 *
 * Invariants:
 * 1. Each cell evaluates its own copy, in a compartment of its own whose
 *    globals are the cell's `console` and a `process` whose `cwd()` is "/"
 *    (the cell's root): nothing is shared between cells or with the host,
 *    and a cell that changes its `Buffer.prototype` changes only its own.
 * 2. The sources come from the host's installed packages, read once, and
 *    are named by package-relative ids (`buffer/index.js`): no host path
 *    reaches a cell. A `require` inside them reaches only the files found
 *    when they were read, and a builtin name reaches its shim.
 * 3. A shim is evaluated on its first import, not before.
 *
 * It does not provide `util`, `url`, `assert` or the rest of Node (their
 * pure-JS versions depend on dozens of packages); see the Modules guide.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { evadeSourceChecks } from "./module-source-evasion.js";

/** One file of a shim: its source, and what each `require` in it names. */
export interface ShimFile {
  readonly source: string;
  readonly requires: Readonly<Record<string, string>>;
}

/** Shim files by id; the ids of the builtins are their Node names. */
export type ShimSources = Readonly<Record<string, ShimFile>>;

/** The builtins provided, and where their implementation starts. */
const SHIM_ENTRIES: Readonly<Record<string, string>> = {
  buffer: "buffer/",
  events: "events/",
  path: "path-browserify",
  string_decoder: "string_decoder/",
  querystring: "querystring-es3",
};

/** `require("x")` calls with a literal name, as these packages write them. */
const REQUIRE_CALL = /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The package-relative id of a file: what follows its last `node_modules/`. */
const idOf = (path: string): string => {
  const at = path.lastIndexOf("node_modules/");
  return at === -1 ? path : path.slice(at + "node_modules/".length);
};

let read: ShimSources | undefined;

/**
 * Reads the shims' sources from the host's installed packages (once).
 *
 * @example
 * ```ts
 * readShimSources().buffer.requires; // { "base64-js": "base64-js/index.js", ieee754: "ieee754/index.js" }
 * ```
 */
export const readShimSources = (): ShimSources => {
  if (read !== undefined) return read;
  const files: Record<string, ShimFile> = {};
  const hostRequire = createRequire(import.meta.url);
  const add = (id: string, path: string): void => {
    if (Object.hasOwn(files, id)) return;
    const source = readFileSync(path, "utf8");
    const requires: Record<string, string> = {};
    files[id] = { source, requires };
    const fileRequire = createRequire(path);
    for (const [, name] of source.matchAll(REQUIRE_CALL)) {
      const specifier = name as string;
      // Invariant 2: a builtin name reaches its shim, anything else the file found now.
      if (Object.hasOwn(SHIM_ENTRIES, specifier)) {
        requires[specifier] = specifier;
        continue;
      }
      const target = fileRequire.resolve(specifier);
      requires[specifier] = idOf(target);
      add(idOf(target), target);
    }
  };
  for (const [name, entry] of Object.entries(SHIM_ENTRIES)) add(name, hostRequire.resolve(entry));
  read = harden(files);
  return read;
};

/**
 * The builtins of one cell (`buffer`, `node:buffer`, `events`, ...), each
 * evaluated on first use in a compartment of the cell's own (invariants 1
 * and 3).
 *
 * @example
 * ```ts
 * const lazy = makeShimBuiltins(readShimSources(), { console });
 * const { Buffer } = lazy["node:buffer"]() as { Buffer: typeof globalThis.Buffer };
 * ```
 */
export const makeShimBuiltins = (
  sources: ShimSources,
  globals: { readonly console: unknown },
): Readonly<Record<string, () => object>> => {
  let compartment: Compartment | undefined;
  const modules = new Map<string, { exports: unknown }>();
  const load = (id: string): unknown => {
    const cached = modules.get(id);
    if (cached !== undefined) return cached.exports;
    const file = sources[id];
    if (file === undefined) throw new Error(`Cannot find module '${id}'`);
    compartment ??= new Compartment({
      globals: {
        console: globals.console,
        process: harden({ cwd: () => "/", env: {}, platform: "linux" }),
      },
      __options__: true,
    } as never);
    const module = { exports: {} as unknown };
    modules.set(id, module);
    // SES refuses text that looks like `import(` or an HTML comment, even in
    // strings and comments; the module loader's rewrite keeps the meaning.
    const wrapper = compartment.evaluate(
      evadeSourceChecks(`(function (exports, require, module) {${file.source}\n})`, "script"),
    ) as (exports: unknown, require: (specifier: string) => unknown, module: object) => void;
    wrapper(
      module.exports,
      (specifier: string) => {
        const target = file.requires[specifier];
        if (target === undefined) throw new Error(`Cannot find module '${specifier}'`);
        return load(target);
      },
      module,
    );
    return module.exports;
  };
  const builtins: Record<string, () => object> = {};
  for (const name of Object.keys(SHIM_ENTRIES)) {
    const thunk = () => load(name) as object;
    builtins[name] = thunk;
    builtins[`node:${name}`] = thunk;
  }
  builtins["path/posix"] = builtins["node:path/posix"] = () => load("path") as object;
  return harden(builtins);
};
