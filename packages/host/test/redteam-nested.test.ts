// Red-team attacks on nested cells (nested-cells.ts): a cell that creates
// sub-cells must get back a narrow handle (evaluate, output, revoke) and no
// more authority than it passed down, and revoking what it passed down must
// reach the sub-cell.
//
// Not tested here (known breaks, see the red-team report): a function passed
// as a sub-cell grant is run by the host as a grant factory, and in a
// compartment parent, revokeGrant does not reach the copies given to
// sub-cells.
import { makeMemoryDirCap } from "@padded-cell/caps";
import { describe, expect, test } from "vitest";
import { createHost, nestedCells } from "../src/index.js";

const seed = { "/a.txt": "a" };

describe("the handle a cell gets for its sub-cell", () => {
  test("is frozen, has only evaluate/output/revoke, and leads to no host Cell", async () => {
    const host = await createHost();
    const parent = await host.createCell({
      name: "parent",
      grants: { fs: makeMemoryDirCap({ seed }), cells: nestedCells({ max: 2 }) },
    });
    const report = await parent.evaluate(`(async () => {
      const sub = await caps.cells.create({ name: "s", grants: { fs: caps.fs.readOnly() } });
      const attempt = (f) => { try { return f(); } catch (e) { return "threw " + (e.code || e.name); } };
      return JSON.stringify({
        keys: Reflect.ownKeys(sub).map(String).sort(),
        frozen: Object.isFrozen(sub),
        addImport: attempt(() => { sub.import = () => 1; return "wrote"; }),
        protoIsObject: Object.getPrototypeOf(sub) === Object.prototype,
        evaluateKeys: Reflect.ownKeys(sub.evaluate).map(String).sort(),
        output: await sub.evaluate("console.log('hi from sub'); 1").then(() => sub.output()),
      });
    })()`);
    expect(JSON.parse(report as string)).toEqual({
      keys: ["evaluate", "output", "revoke"],
      frozen: true,
      addImport: "threw TypeError",
      protoIsObject: true,
      evaluateKeys: ["length", "name"],
      output: { stdout: "hi from sub\n", stderr: "" },
    });
  });

  test("after the parent revokes its sub-cell, the sub-cell's grants and handle are dead", async () => {
    const host = await createHost();
    const parent = await host.createCell({
      name: "parent",
      grants: { fs: makeMemoryDirCap({ seed }), cells: nestedCells({ max: 1 }) },
    });
    const result = await parent.evaluate(`(async () => {
      const sub = await caps.cells.create({ name: "s", grants: { fs: caps.fs } });
      await sub.evaluate("globalThis.keep = caps.fs; 1");
      await sub.revoke("done");
      const again = await sub.evaluate("keep.readFile('/a.txt')").then(() => "ran", (e) => e.code);
      // The slot is free again: the limit counts live sub-cells only.
      const next = await caps.cells.create({ name: "t" }).then(() => "created", (e) => e.code);
      return again + "," + next;
    })()`);
    expect(result).toBe("REVOKED,created");
  });
});

describe("revoking the cells grant", () => {
  test("in a compartment parent, kills the sub-cell handles it gave out", async () => {
    const host = await createHost();
    const parent = await host.createCell({
      name: "parent",
      grants: { fs: makeMemoryDirCap({ seed }), cells: nestedCells() },
    });
    await parent.evaluate(`(async () => {
      globalThis.sub = await caps.cells.create({ name: "s", grants: { fs: caps.fs } });
    })()`);
    const probe = `(async () => sub.evaluate("1"))().then(() => "ran", (e) => e.code)`;
    expect(await parent.evaluate(probe)).toBe("ran");
    await parent.revokeGrant("cells");
    expect(await parent.evaluate(probe)).toBe("REVOKED");
  });
});

describe("revocation reaches sub-cells behind a wall", () => {
  test("in a worker parent, revokeGrant reaches what was passed to a sub-cell", async () => {
    const host = await createHost();
    try {
      const parent = await host.createCell({
        name: "parent",
        isolation: "worker",
        grants: { fs: makeMemoryDirCap({ seed }), cells: nestedCells({ max: 2 }) },
      });
      await parent.evaluate(`(async () => {
        globalThis.sub = await caps.cells.create({ name: "s", grants: { fs: caps.fs } });
      })()`);
      const probe = `sub.evaluate("caps.fs.readFile('/a.txt').then(() => 'OK', (e) => e.code)")`;
      expect(await parent.evaluate(probe)).toBe("OK");
      await parent.revokeGrant("fs");
      expect(await parent.evaluate(probe)).toBe("REVOKED");
    } finally {
      await host.close();
    }
  }, 10000);
});
