/**
 * Which bare specifiers a cell may import: its imports allow list, and the
 * Node builtins its grants provide.
 *
 * Invariants:
 * 1. Default deny: a bare specifier is importable only if it matches an
 *    allow-list entry exactly, or falls under a `"pkg/*"` entry; a Node
 *    builtin (with or without `node:`) only if the host passed a facade for
 *    that exact specifier in `builtins`. The allow list never makes a builtin
 *    reachable.
 * 2. Denials name the specifier and what would allow it (the allow-list
 *    entry to add, or the grant that provides the builtin), and nothing else.
 * 3. The builtin list is captured once, at module load.
 *
 * It does not load anything and does not decide relative imports (those are
 * confined by `module-read-powers.ts`).
 */
import { builtinModules } from "node:module";
import { CellError, hardenExport } from "@padded-cell/membrane";
import { moduleError } from "./module-error.js";

const NODE_BUILTINS: ReadonlySet<string> = new Set(builtinModules);

/** Which grant provides which Node builtin, for denial messages. */
const GRANT_FOR_BUILTIN: Readonly<Record<string, string>> = hardenExport({
  fs: "fs",
  "fs/promises": "fs",
  net: "net",
  http: "net",
  https: "net",
  http2: "net",
  tls: "net",
  dgram: "net",
  dns: "net",
  "dns/promises": "net",
  timers: "timers",
  "timers/promises": "timers",
  // Randomness only: randomUUID, getRandomValues and webcrypto (cell-ambient.ts).
  crypto: "random (its randomUUID, getRandomValues and webcrypto.getRandomValues)",
});

const hasOwn = Object.hasOwn;
/**
 * Own entries only. Class closed: a builtin named like an `Object.prototype`
 * member (`node:constructor`, `node:__proto__`) is denied as one no grant
 * provides, never "granted function Object() { [native code] }".
 */
const ownEntry = (table: Readonly<Record<string, string>>, key: string): string | undefined =>
  hasOwn(table, key) ? table[key] : undefined;

const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/i;

/**
 * Whether `specifier` names a Node builtin (`fs`, `node:fs/promises`, `node:test`).
 *
 * @example
 * ```ts
 * isNodeBuiltin("node:child_process"); // true
 * isNodeBuiltin("left-pad"); // false
 * ```
 */
export const isNodeBuiltin = (specifier: string): boolean =>
  specifier.startsWith("node:") || NODE_BUILTINS.has(specifier);

/**
 * The package name of a bare specifier: `"@a/b/c"` → `"@a/b"`, `"x/y"` → `"x"`.
 *
 * @example
 * ```ts
 * packageNameOf("markdown-it/lib/index.mjs"); // "markdown-it"
 * ```
 */
export const packageNameOf = (specifier: string): string => {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? "");
};

/** A compiled imports allow list. */
export interface ImportAllowList {
  /** Whether the bare `specifier` may be imported. */
  readonly allows: (specifier: string) => boolean;
  /** Whether any specifier of package `name` (itself or a subpath) is allowed. */
  readonly allowsAnyOf: (name: string) => boolean;
}

/**
 * Compiles allow-list entries: `"yaml"` allows exactly `yaml`; `"yaml/*"`
 * allows `yaml` and every subpath such as `yaml/util`.
 *
 * @example
 * ```ts
 * const allow = makeImportAllowList(["markdown-it", "yaml/*"]);
 * allow.allows("yaml/util"); // true
 * allow.allows("markdown-it/lib/x.mjs"); // false
 * ```
 */
export const makeImportAllowList = (entries: readonly string[]): ImportAllowList => {
  const exact = new Set<string>();
  const withSubpaths = new Set<string>();
  for (const entry of entries) {
    if (typeof entry !== "string") {
      throw moduleError("MODULE_BAD_REQUEST", "An imports allow-list entry must be a string.");
    }
    const base = entry.endsWith("/*") ? entry.slice(0, -2) : entry;
    const name = packageNameOf(base);
    const subpath = base.slice(name.length);
    const subpathOk =
      subpath === "" ||
      (subpath.startsWith("/") &&
        subpath
          .slice(1)
          .split("/")
          .every((s) => s !== "" && s !== "." && s !== ".." && !/[\\\0\s]/.test(s)));
    if (!PACKAGE_NAME.test(name) || !subpathOk || isNodeBuiltin(base) || isNodeBuiltin(name)) {
      throw moduleError(
        "MODULE_BAD_REQUEST",
        `Invalid imports allow-list entry ${JSON.stringify(entry)}: use a package name such as 'left-pad', a subpath such as 'yaml/util', or 'pkg/*' (builtins come from grants, not from this list).`,
      );
    }
    (entry.endsWith("/*") ? withSubpaths : exact).add(base);
  }
  const allows = (specifier: string): boolean => {
    if (exact.has(specifier) || withSubpaths.has(specifier)) return true;
    const name = packageNameOf(specifier);
    return withSubpaths.has(name) && specifier.startsWith(`${name}/`);
  };
  const allowsAnyOf = (name: string): boolean =>
    withSubpaths.has(name) || [...exact].some((e) => packageNameOf(e) === name);
  return harden({ allows, allowsAnyOf });
};

/**
 * The error for a bare specifier the cell may not import.
 *
 * @example
 * ```ts
 * throw deniedImportError("node:child_process");
 * ```
 */
export const deniedImportError = (specifier: string): CellError => {
  if (isNodeBuiltin(specifier)) {
    const bare = specifier.startsWith("node:") ? specifier.slice(5) : specifier;
    const grant = ownEntry(GRANT_FOR_BUILTIN, bare);
    return moduleError(
      "MODULE_DENIED",
      grant === undefined
        ? `Denied: import of ${JSON.stringify(specifier)}. Node builtin ${bare} is not available to cells; no grant provides it.`
        : `Denied: import of ${JSON.stringify(specifier)}. ${specifier} is provided only when the cell is granted ${grant}.`,
    );
  }
  return moduleError(
    "MODULE_DENIED",
    `Denied: import of ${JSON.stringify(specifier)}. Add '${specifier}' (or '${packageNameOf(specifier)}/*' for all its subpaths) to the cell's imports allow list.`,
  );
};
