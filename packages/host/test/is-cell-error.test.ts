// isCellError: one way to test an error's kind, for errors made here and
// errors that come back from a cell (copies, for which instanceof is false).
import { makeMemoryDirCap } from "@padded-cell/caps";
import { describe, expect, test } from "vitest";
import { CellError, isCellError } from "@padded-cell/membrane";
import { createHost } from "../src/index.js";

describe("isCellError", () => {
  test("an error from a compartment or worker cell is recognised by kind and code, also where instanceof fails", async () => {
    const host = await createHost();
    try {
      for (const isolation of ["compartment", "worker"] as const) {
        const cell = await host.createCell({
          name: "reader",
          isolation,
          grants: { fs: ({ scope }) => makeMemoryDirCap({ scope }).readOnly() },
        });
        const error = await cell.evaluate(`caps.fs.readFile("/missing.txt")`).then(
          () => undefined,
          (e: unknown) => e,
        );
        // A compartment cell's error is a membrane copy: instanceof fails there.
        if (isolation === "compartment") expect(error instanceof CellError).toBe(false);
        expect(isCellError(error), isolation).toBe(true);
        const code = (error as { code: string }).code;
        expect(isCellError(error, code), isolation).toBe(true);
        expect(isCellError(error, "NOT_THIS_CODE"), isolation).toBe(false);
      }
    } finally {
      await host.close("test over");
    }
  });

  test("a host CellError is one; plain errors, values and errors with only a code are not", () => {
    expect(isCellError(new CellError("FS_DENIED", "no"), "FS_DENIED")).toBe(true);
    expect(isCellError(Object.assign(new Error("x"), { code: "FS_DENIED" }))).toBe(false);
    for (const v of [undefined, null, "CellError", 42, {}, { name: "CellError" }])
      expect(isCellError(v)).toBe(false);
  });

  test("invariant 1: no getter runs, and a proxy whose traps throw is simply not one", () => {
    let ran = false;
    const getters = Object.create(Error.prototype, {
      name: { get: () => ((ran = true), "CellError") },
      code: { get: () => ((ran = true), "FS_DENIED") },
    }) as object;
    expect(isCellError(getters)).toBe(false);
    expect(ran).toBe(false);
    const hostile = new Proxy(new CellError("FS_DENIED", "x"), {
      getOwnPropertyDescriptor: () => {
        throw new Error("trap");
      },
      getPrototypeOf: () => {
        throw new Error("trap");
      },
    });
    expect(isCellError(hostile)).toBe(false);
  });
});
