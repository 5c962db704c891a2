// Regression tests for the cell-layer breaks the second red team found
// (each named by its class; the repros are theirs).
import { makeMemoryDirCap } from "@padded-cell/caps";
import { describe, expect, test } from "vitest";
import { createHost, nestedCells, type Isolation } from "../src/index.js";

describe("closed breaks", () => {
  test("a function a cell passes as a sub-cell grant is a capability, never run as a grant factory", async () => {
    const host = await createHost();
    const parent = await host.createCell({ name: "p", grants: { cells: nestedCells({ max: 1 }) } });
    const outcome = await parent.evaluate(`(async () => {
      let stolen = "not called";
      const evil = (ctx) => { stolen = typeof ctx?.createCell; return {}; };
      const sub = await caps.cells.create({ name: "x", grants: { evil } });
      const seen = await sub.evaluate("typeof caps.evil");
      return stolen + "|" + seen;
    })()`);
    expect(outcome).toBe("not called|function");
  });

  test("the host's URL classes cannot be changed by a cell", async () => {
    const host = await createHost();
    const cell = await host.createCell({ name: "u" });
    const attempts = await cell.evaluate(`[
      () => { Object.defineProperty(URL.prototype, "host", { get() { return "evil.example"; } }); },
      () => { URL.prototype.toString = () => "evil"; },
      () => { URLSearchParams.prototype.get = () => "evil"; },
      () => { TextEncoder.prototype.encode = () => new Uint8Array(); },
    ].map((f) => { try { f(); return "changed"; } catch (e) { return "refused"; } }).join()`);
    expect(attempts).toBe("refused,refused,refused,refused");
    expect(new URL("http://a.example/x").host).toBe("a.example");
  });

  test("an unfrozen host grant is hardened: a cell cannot replace its methods", async () => {
    const host = await createHost();
    const greeter = { greet: async () => "hello" };
    const cell = await host.createCell({ name: "g", grants: { greeter } });
    await cell.evaluate(`try { caps.greeter.greet = async () => "evil"; } catch {}`);
    expect(await greeter.greet()).toBe("hello");
    expect(Object.isFrozen(greeter)).toBe(true);
  });

  test("revokeGrant reaches what the cell delegated to its sub-cells", async () => {
    const host = await createHost();
    const parent = await host.createCell({
      name: "p",
      grants: { fs: makeMemoryDirCap({ seed: { "/a.txt": "a" } }), cells: nestedCells({ max: 2 }) },
    });
    await parent.evaluate(`(async () => {
      globalThis.sub = await caps.cells.create({ name: "s", grants: { fs: caps.fs, ro: caps.fs.readOnly() } });
    })()`);
    const inner = `Promise.all([caps.fs, caps.ro].map(async (d) => d.readFile("/a.txt", { encoding: "utf8" }))
      .map((p) => p.catch((e) => e.code))).then((r) => r.join())`;
    const read = `sub.evaluate(${JSON.stringify(inner)})`;
    expect(await parent.evaluate(read)).toBe("a,a");
    await parent.revokeGrant("fs", "unshared");
    expect(await parent.evaluate(read)).toBe("REVOKED,REVOKED");
  });

  test.each([
    ["compartment", "worker"],
    ["compartment", "process"],
  ] as Array<[Isolation, Isolation]>)(
    "a grant relayed from a %s cell to a %s cell dies with the sender's grant",
    async (from, to) => {
      const host = await createHost();
      const ch = host.channel("c");
      const a = await host.createCell({
        name: "a",
        isolation: from,
        grants: { fs: makeMemoryDirCap({ seed: { "/a.txt": "a" } }), out: ch.a },
      });
      const b = await host.createCell({ name: "b", isolation: to, grants: { in: ch.b } });
      try {
        await a.evaluate(`caps.out.send({ fs: caps.fs })`);
        await b.evaluate(`caps.in.receive().then((v) => { globalThis.got = v; })`);
        const read = `got.fs.readFile("/a.txt", { encoding: "utf8" }).then((v) => v, (e) => e.code)`;
        expect(await b.evaluate(read)).toBe("a");
        await a.revokeGrant("fs");
        expect(await b.evaluate(read)).toBe("REVOKED");
      } finally {
        await a.revoke("done");
        await b.revoke("done");
      }
    },
    30_000,
  );

  test.each(["worker", "process"] as const)(
    "%s: capabilities derived from a grant die with it",
    async (isolation) => {
      const host = await createHost();
      const cell = await host.createCell({
        name: "w",
        isolation,
        grants: { fs: makeMemoryDirCap({ seed: { "/d/a.txt": "a" } }) },
      });
      try {
        await cell.evaluate(
          `(async () => { globalThis.d = await caps.fs.sub("/d"); globalThis.ro = await caps.fs.readOnly(); })()`,
        );
        const read = `Promise.all([d.readFile("/a.txt", { encoding: "utf8" }), ro.readFile("/d/a.txt", { encoding: "utf8" })].map((p) => p.catch((e) => e.code))).then((r) => r.join())`;
        expect(await cell.evaluate(read)).toBe("a,a");
        await cell.revokeGrant("fs");
        expect(await cell.evaluate(read)).toBe("REVOKED,REVOKED");
      } finally {
        await cell.revoke("done");
      }
    },
    30_000,
  );
});

test("calls through capabilities derived from a grant are audited too", async () => {
  const { makeMemoryAuditSink } = await import("../src/index.js");
  const audit = makeMemoryAuditSink(100);
  const host = await createHost({ audit: audit.sink });
  const cell = await host.createCell({
    name: "a",
    grants: { fs: makeMemoryDirCap({ seed: { "/d/a.txt": "a" } }) },
  });
  await cell.evaluate(`(async () => {
    const d = caps.fs.sub("/d");
    await d.readFile("/a.txt");
    await d.readOnly().writeFile("/b.txt", "x").catch(() => {});
  })()`);
  expect(audit.records().map((r) => `${r.grant}.${r.method}:${r.outcome}`)).toEqual([
    "fs.sub:allowed",
    "fs.readFile:allowed",
    "fs.readOnly:allowed",
    "fs.writeFile:denied",
  ]);
});
