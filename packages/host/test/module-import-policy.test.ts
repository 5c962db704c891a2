// src/module-import-policy.ts: invariant 1 (default deny; the allow list
// never reaches builtins) and invariant 2 (denials say how to allow).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  deniedImportError,
  isNodeBuiltin,
  makeImportAllowList,
  packageNameOf,
} from "../src/module/module-import-policy.js";

describe("imports allow list", () => {
  it("exact entries allow exactly; 'pkg/*' entries allow the package and its subpaths", () => {
    const list = makeImportAllowList(["yaml", "@scope/tool/*", "lodash/fp"]);
    expect(list.allows("yaml")).toBe(true);
    expect(list.allows("yaml/util")).toBe(false);
    expect(list.allows("@scope/tool")).toBe(true);
    expect(list.allows("@scope/tool/a/b.js")).toBe(true);
    expect(list.allows("@scope/toolbox")).toBe(false);
    expect(list.allows("@scope/other")).toBe(false);
    expect(list.allows("lodash/fp")).toBe(true);
    expect(list.allows("lodash")).toBe(false);
    expect(list.allowsAnyOf("lodash")).toBe(true);
    expect(list.allowsAnyOf("left-pad")).toBe(false);
  });

  it("invariant 1 (property): an empty list allows nothing; a list allows only its entries and their declared subpaths", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/).filter((n) => !isNodeBuiltin(n));
    fc.assert(
      fc.property(
        fc.array(name, { maxLength: 5 }),
        name,
        fc.stringMatching(/^[a-z./]{0,8}$/),
        (entries, probe, tail) => {
          expect(makeImportAllowList([]).allows(probe)).toBe(false);
          const list = makeImportAllowList(entries);
          expect(list.allows(probe)).toBe(entries.includes(probe));
          expect(list.allows(`${probe}/${tail}`)).toBe(false);
          const wide = makeImportAllowList(entries.map((e) => `${e}/*`));
          expect(wide.allows(`${probe}/${tail}`)).toBe(entries.includes(probe));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("builtins, paths and malformed names cannot be allow-listed", () => {
    for (const entry of [
      "fs",
      "node:fs",
      "child_process/*",
      "./x",
      "../x",
      "/x",
      "",
      "*",
      "a b",
      "@x",
      "x/../../y",
      "x/a\0",
      "x//y",
      "x/./y",
      "fs/promises",
    ]) {
      expect(() => makeImportAllowList([entry])).toThrow(
        expect.objectContaining({ code: "MODULE_BAD_REQUEST" }),
      );
    }
    expect(() => makeImportAllowList([42 as unknown as string])).toThrow(
      expect.objectContaining({ code: "MODULE_BAD_REQUEST" }),
    );
  });
});

describe("builtins and denials", () => {
  it("recognizes Node builtins with and without the node: prefix", () => {
    for (const name of [
      "fs",
      "node:fs",
      "child_process",
      "node:test",
      "node:sqlite",
      "process",
      "fs/promises",
    ]) {
      expect(isNodeBuiltin(name)).toBe(true);
    }
    for (const name of ["yaml", "markdown-it", "./fs", "fs-extra"]) {
      expect(isNodeBuiltin(name)).toBe(false);
    }
    expect(packageNameOf("@a/b/c/d")).toBe("@a/b");
    expect(packageNameOf("x/y")).toBe("x");
  });

  it("invariant 2: each denial names the specifier and what would allow it", () => {
    expect(deniedImportError("left-pad").message).toBe(
      "Denied: import of \"left-pad\". Add 'left-pad' (or 'left-pad/*' for all its subpaths) to the cell's imports allow list.",
    );
    expect(deniedImportError("node:fs/promises").message).toBe(
      'Denied: import of "node:fs/promises". node:fs/promises is provided only when the cell is granted fs.',
    );
    expect(deniedImportError("http").message).toBe(
      'Denied: import of "http". http is provided only when the cell is granted net.',
    );
    expect(deniedImportError("node:child_process").message).toBe(
      'Denied: import of "node:child_process". Node builtin child_process is not available to cells; no grant provides it.',
    );
    expect(deniedImportError("x").code).toBe("MODULE_DENIED");
  });
});

it("the denial of node:crypto names the random grant, and the part of crypto it provides", () => {
  const error = deniedImportError("node:crypto");
  expect(error.code).toBe("MODULE_DENIED");
  expect(error.message).toBe(
    'Denied: import of "node:crypto". node:crypto is provided only when the cell is granted random (its randomUUID, getRandomValues and webcrypto.getRandomValues).',
  );
});
