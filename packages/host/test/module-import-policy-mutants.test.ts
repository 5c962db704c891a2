// Issue 16, mutation testing of src/module/module-import-policy.ts: tests that
// kill mutants as classes. Entries and specifiers are generated from pieces
// (names, scopes, segments, bad characters) and judged by an oracle written
// here from the documented rules (character by character, no regex of the
// code's, and Node's own `isBuiltin` instead of the code's builtin set);
// denial messages are pinned whole, for every builtin a grant provides.
import { isBuiltin } from "node:module";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import {
  deniedImportError,
  isNodeBuiltin,
  makeImportAllowList,
  packageNameOf,
} from "../src/module/module-import-policy.js";

// ---- oracle ---------------------------------------------------------------

const oracleBuiltin = (s: string): boolean => s.startsWith("node:") || isBuiltin(s);

const isAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);
const isNameChar = (c: string): boolean => isAlnum(c) || "._~-".includes(c);
/** An npm-like name part: starts with a letter or digit, then name characters. */
const namePartOk = (p: string): boolean =>
  p.length > 0 && isAlnum(p[0] as string) && [...p].every(isNameChar);

/** The package of a bare specifier, by hand. */
const oraclePackage = (s: string): string => {
  const first = s.indexOf("/");
  if (!s.startsWith("@")) return first === -1 ? s : s.slice(0, first);
  if (first === -1) return s;
  const second = s.indexOf("/", first + 1);
  return second === -1 ? s : s.slice(0, second);
};

/** Whether an allow-list entry is accepted (documented rules). */
const oracleEntryOk = (entry: string): boolean => {
  const base = entry.endsWith("/*") ? entry.slice(0, -2) : entry;
  const name = oraclePackage(base);
  const nameOk = name.startsWith("@")
    ? name.includes("/") &&
      namePartOk(name.slice(1, name.indexOf("/"))) &&
      namePartOk(name.slice(name.indexOf("/") + 1))
    : namePartOk(name);
  const rest = base.slice(name.length);
  let subOk = rest === "";
  if (rest.startsWith("/")) {
    subOk = rest
      .slice(1)
      .split("/")
      .every(
        (seg) =>
          seg.length > 0 &&
          seg !== "." &&
          seg !== ".." &&
          [...seg].every((c) => c !== "\\" && c !== "\0" && c.trim() === c),
      );
  }
  return nameOk && subOk && !oracleBuiltin(base) && !oracleBuiltin(name);
};

/** Whether a valid list allows `spec`. */
const oracleAllows = (entries: readonly string[], spec: string): boolean =>
  entries.some((e) => {
    if (!e.endsWith("/*")) return e === spec;
    const base = e.slice(0, -2);
    return spec === base || (oraclePackage(spec) === base && spec.startsWith(`${base}/`));
  });

const oracleAllowsAnyOf = (entries: readonly string[], name: string): boolean =>
  entries.some((e) => (e.endsWith("/*") ? e.slice(0, -2) === name : oraclePackage(e) === name));

// ---- generators -------------------------------------------------------------

const part = fc.constantFrom(
  "yaml",
  "left-pad",
  "a",
  "A1",
  "x.y",
  "x_y",
  "x~y",
  "9z",
  "fs",
  "http",
  "crypto",
  "child_process",
  "timers",
  "-x",
  ".x",
  "_x",
  "~x",
  "",
  "a b",
  "a\tb",
  "a\\b",
  "a\0b",
  "a:b",
  "node:fs",
  "é",
  "a/b",
);
const segment = fc.constantFrom(
  "util",
  "lib",
  "index.mjs",
  "a.b",
  "",
  ".",
  "..",
  "...",
  ".x",
  "a b",
  "a\u00a0b",
  "a\nb",
  "a\\b",
  "a\0b",
  "*",
  "x*",
);
const entryArb = fc
  .tuple(
    fc.option(part, { nil: undefined }),
    part,
    fc.array(segment, { maxLength: 3 }),
    fc.boolean(),
  )
  .map(
    ([scope, name, segs, star]) =>
      `${scope === undefined ? "" : `@${scope}/`}${name}${segs.map((s) => `/${s}`).join("")}${star ? "/*" : ""}`,
  );

describe("imports allow list against the oracle", () => {
  it("an entry is accepted exactly when the documented rules accept it", () => {
    fc.assert(
      fc.property(entryArb, (entry) => {
        let accepted = true;
        try {
          makeImportAllowList([entry]);
        } catch (e) {
          expect(e).toMatchObject({ code: "MODULE_BAD_REQUEST" });
          expect((e as Error).message).toBe(
            `Invalid imports allow-list entry ${JSON.stringify(entry)}: use a package name such as 'left-pad', a subpath such as 'yaml/util', or 'pkg/*' (builtins come from grants, not from this list).`,
          );
          accepted = false;
        }
        expect({ entry, accepted }).toEqual({ entry, accepted: oracleEntryOk(entry) });
      }),
      { numRuns: 3000 },
    );
  });

  it("a valid list allows exactly its entries and the subpaths of its 'pkg/*' entries", () => {
    const validEntry = entryArb.filter(oracleEntryOk);
    fc.assert(
      fc.property(
        fc.array(validEntry, { maxLength: 5 }),
        fc.array(entryArb, { maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.array(segment, { maxLength: 2 })), { maxLength: 6 }),
        (entries, randoms, derived) => {
          const list = makeImportAllowList(entries);
          // Probes: the entries themselves, their packages, extensions of them
          // (subpaths, glued suffixes), and unrelated specifiers.
          const bases = entries.map((e) => (e.endsWith("/*") ? e.slice(0, -2) : e));
          const probes = [...bases, ...bases.map(oraclePackage), ...randoms];
          for (const [i, segs] of derived) {
            const b = bases.length === 0 ? "yaml" : (bases[i % bases.length] as string);
            probes.push(`${b}${segs.map((s) => `/${s}`).join("")}`, `${b}x`, `${b}/`);
          }
          for (const spec of probes) {
            expect({ spec, allowed: list.allows(spec) }).toEqual({
              spec,
              allowed: oracleAllows(entries, spec),
            });
            const name = oraclePackage(spec);
            expect({ name, any: list.allowsAnyOf(name) }).toEqual({
              name,
              any: oracleAllowsAnyOf(entries, name),
            });
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("a 'pkg/*' entry allows the package and its subpaths, an exact entry only itself", () => {
    const list = makeImportAllowList(["@s/tool/*", "yaml/*", "lodash/fp", "ms"]);
    expect(
      ["@s/tool", "@s/tool/a", "@s/tool/a/b", "@s/toolx", "@s/tool/", "@s", "@s/other/x"].map(
        list.allows,
      ),
    ).toEqual([true, true, true, false, true, false, false]);
    expect(["yaml", "yaml/util", "yamlx", "yaml/*"].map(list.allows)).toEqual([
      true,
      true,
      false,
      true,
    ]);
    expect(["lodash/fp", "lodash", "lodash/fp/x", "ms", "ms/x"].map(list.allows)).toEqual([
      true,
      false,
      false,
      true,
      false,
    ]);
    expect(
      ["@s/tool", "yaml", "lodash", "ms", "@s", "fp", "lodash/fp"].map(list.allowsAnyOf),
    ).toEqual([true, true, true, true, false, false, false]);
  });

  it("an entry that is not a string is refused with a pinned message", () => {
    for (const bad of [42, null, undefined, {}, ["yaml"]]) {
      expect(() =>
        makeImportAllowList([bad as unknown as string]),
      ).toThrowErrorMatchingInlineSnapshot(
        `[CellError: An imports allow-list entry must be a string.]`,
      );
    }
    // A bad entry after good ones still refuses the whole list.
    expect(() => makeImportAllowList(["yaml", 7 as unknown as string])).toThrow(
      expect.objectContaining({ code: "MODULE_BAD_REQUEST" }),
    );
  });
});

describe("builtins and package names against the oracle", () => {
  const specArb = fc.oneof(
    entryArb,
    fc.constantFrom(
      "node:nope",
      "node:",
      "nodex:fs",
      "xnode:fs",
      "fs",
      "fs/promises",
      "fs/promisesx",
      "fsx",
      "_http_agent",
      "node:test",
      "test",
      "path/posix",
      "@a",
      "@a/b",
      "@a/b/c/d",
      "/x",
      "",
    ),
  );
  it("isNodeBuiltin is Node's isBuiltin, widened to every node: specifier", () => {
    fc.assert(
      fc.property(specArb, (s) => {
        expect({ s, builtin: isNodeBuiltin(s) }).toEqual({ s, builtin: oracleBuiltin(s) });
      }),
      { numRuns: 2000 },
    );
  });
  it("packageNameOf keeps the scope and the first name segment", () => {
    fc.assert(
      fc.property(specArb, (s) => {
        expect({ s, name: packageNameOf(s) }).toEqual({ s, name: oraclePackage(s) });
      }),
      { numRuns: 2000 },
    );
  });
});

// ---- denials ----------------------------------------------------------------

/** Which grant provides which builtin, as the guide documents it. */
const PROVIDED: ReadonlyArray<readonly [string, string]> = [
  ["fs", "fs"],
  ["fs/promises", "fs"],
  ["net", "net"],
  ["http", "net"],
  ["https", "net"],
  ["http2", "net"],
  ["tls", "net"],
  ["dgram", "net"],
  ["dns", "net"],
  ["dns/promises", "net"],
  ["timers", "timers"],
  ["timers/promises", "timers"],
];

describe("denials", () => {
  it("every builtin a grant provides names that grant, with and without node:", () => {
    for (const [bare, grant] of PROVIDED) {
      for (const spec of [bare, `node:${bare}`]) {
        const e = deniedImportError(spec);
        expect(e.code).toBe("MODULE_DENIED");
        expect(e.message).toBe(
          `Denied: import of ${JSON.stringify(spec)}. ${spec} is provided only when the cell is granted ${grant}.`,
        );
      }
    }
  });

  it("a builtin no grant provides says so, and names no grant", () => {
    const provided = new Set(PROVIDED.map(([b]) => b));
    fc.assert(
      fc.property(
        fc.constantFrom(
          "child_process",
          "worker_threads",
          "vm",
          "os",
          "process",
          "inspector",
          "path/posix",
          "stream/web",
          "nope",
          "fs/nope",
          "fsx",
          "constructor",
          "toString",
          "__proto__",
        ),
        fc.boolean(),
        (bare, prefixed) => {
          fc.pre(!provided.has(bare));
          const spec = prefixed || !isBuiltin(bare) ? `node:${bare}` : bare;
          const e = deniedImportError(spec);
          expect(e.code).toBe("MODULE_DENIED");
          expect(e.message).toBe(
            `Denied: import of ${JSON.stringify(spec)}. Node builtin ${bare} is not available to cells; no grant provides it.`,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("node:crypto and crypto point at the random grant", () => {
    expect(deniedImportError("node:crypto").message).toMatchInlineSnapshot(
      `"Denied: import of "node:crypto". node:crypto is provided only when the cell is granted random (its randomUUID, getRandomValues and webcrypto.getRandomValues)."`,
    );
    expect(deniedImportError("crypto").message).toMatchInlineSnapshot(
      `"Denied: import of "crypto". crypto is provided only when the cell is granted random (its randomUUID, getRandomValues and webcrypto.getRandomValues)."`,
    );
  });

  it("a package denial names the specifier and its package's '/*' entry", () => {
    fc.assert(
      fc.property(entryArb, (spec) => {
        fc.pre(!oracleBuiltin(spec));
        const e = deniedImportError(spec);
        expect(e.code).toBe("MODULE_DENIED");
        expect(e.message).toBe(
          `Denied: import of ${JSON.stringify(spec)}. Add '${spec}' (or '${oraclePackage(spec)}/*' for all its subpaths) to the cell's imports allow list.`,
        );
      }),
      { numRuns: 500 },
    );
    expect(deniedImportError("@a/b/c").message).toMatchInlineSnapshot(
      `"Denied: import of "@a/b/c". Add '@a/b/c' (or '@a/b/*' for all its subpaths) to the cell's imports allow list."`,
    );
  });
});

// Stryker's vitest runner does not switch on mutants of code that runs when
// the module loads (the builtin and grant tables, the package-name pattern,
// captured helpers) for a module imported once at the top of a file: this
// test loads it afresh, so those mutants are tried too (docs/mutation-survivors.md).
describe("the module's tables, loaded afresh", () => {
  it("builtins, grants, own entries and package names", async () => {
    vi.resetModules();
    const m = await import("../src/module/module-import-policy.js");
    expect(["fs", "node:fs", "child_process", "left-pad", "node:x"].map(m.isNodeBuiltin)).toEqual([
      true,
      true,
      true,
      false,
      true,
    ]);
    expect(m.deniedImportError("node:fs/promises").message).toBe(
      'Denied: import of "node:fs/promises". node:fs/promises is provided only when the cell is granted fs.',
    );
    expect(m.deniedImportError("https").message).toContain("granted net");
    expect(m.deniedImportError("timers/promises").message).toContain("granted timers");
    expect(m.deniedImportError("node:constructor").message).toContain("no grant provides it");
    expect(m.deniedImportError("node:child_process").message).toContain("no grant provides it");
    expect(m.packageNameOf("@a/b/c")).toBe("@a/b");
    const list = m.makeImportAllowList(["yaml", "@s/p/*"]);
    expect([list.allows("yaml"), list.allows("yaml/x"), list.allows("@s/p/q")]).toEqual([
      true,
      false,
      true,
    ]);
    expect(() => m.makeImportAllowList(["../x"])).toThrow();
    expect(() => m.makeImportAllowList(["fs"])).toThrow();
  });
});
