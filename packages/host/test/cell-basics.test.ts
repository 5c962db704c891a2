import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDirCap } from "@padded-cell/caps";
import { describe, expect, test } from "vitest";
import { createHost, makeMemoryAuditSink, nestedCells } from "../src/index.js";

const tempDir = async (files: Record<string, string> = {}) => {
  const dir = await mkdtemp(join(tmpdir(), "cell-"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
};

describe("a compartment cell", () => {
  test("uses its grants and nothing else", async () => {
    const dir = await tempDir({ "a.txt": "hello" });
    const host = await createHost();
    const cell = await host.createCell({
      name: "reader",
      grants: { fs: ({ scope }) => makeDirCap(dir, { scope }).readOnly() },
    });
    expect(await cell.evaluate(`caps.fs.readFile("/a.txt", { encoding: "utf8" })`)).toBe("hello");
    expect(await cell.evaluate("typeof require + typeof Buffer")).toBe("undefinedundefined");
    // `process` is the cell's authority-free facade (cell-global-object.ts).
    expect(await cell.evaluate("typeof process.exit + typeof process.binding")).toBe(
      "undefinedundefined",
    );
    await expect(cell.evaluate(`caps.fs.writeFile("/b.txt", "x")`)).rejects.toMatchObject({
      code: expect.stringMatching(/READ_ONLY/),
    });
  });
  test("console output goes to bounded buffers the host reads", async () => {
    const host = await createHost();
    const cell = await host.createCell({ name: "talker" });
    await cell.evaluate(`console.log("hi", { a: 1 }); console.error("oops")`);
    await new Promise((r) => setTimeout(r, 10));
    expect(cell.output().stdout).toContain("hi");
    expect(cell.output().stderr).toContain("oops");
  });
  test("revoking the cell kills every reference and makes evaluate fail", async () => {
    const dir = await tempDir({ "a.txt": "x" });
    const host = await createHost();
    const cell = await host.createCell({
      name: "r",
      grants: { fs: ({ scope }) => makeDirCap(dir, { scope }) },
    });
    await cell.evaluate("globalThis.keep = caps.fs");
    await cell.revoke("plugin disabled");
    expect(cell.revoked).toBe(true);
    await expect(cell.evaluate("1")).rejects.toMatchObject({ code: "REVOKED" });
  });
  test("revokeGrant cuts one grant only", async () => {
    const host = await createHost();
    const cell = await host.createCell({
      name: "two",
      grants: { a: harden({ ping: async () => "a" }), b: harden({ ping: async () => "b" }) },
    });
    await cell.evaluate("globalThis.a = caps.a; globalThis.b = caps.b");
    await cell.revokeGrant("a", "no more a");
    await expect(cell.evaluate("a.ping()")).rejects.toMatchObject({ code: "REVOKED" });
    expect(await cell.evaluate("b.ping()")).toBe("b");
    await expect(cell.revokeGrant("zzz")).rejects.toMatchObject({ code: "CELL_UNKNOWN_GRANT" });
  });
  test("audit records every capability use with cell and grant", async () => {
    const audit = makeMemoryAuditSink(100);
    const host = await createHost({ audit: audit.sink });
    const cell = await host.createCell({
      name: "audited",
      grants: { svc: harden({ hello: async (x: string) => `hi ${x}` }) },
    });
    await cell.evaluate(`caps.svc.hello("bob")`);
    expect(audit.records()).toMatchObject([
      { cell: "audited", grant: "svc", method: "hello", outcome: "allowed" },
    ]);
  });
  test("nested cells get a subset, and escalation by description is refused", async () => {
    const dir = await tempDir({ "a.txt": "parent data" });
    const host = await createHost();
    const parent = await host.createCell({
      name: "parent",
      grants: { fs: ({ scope }) => makeDirCap(dir, { scope }), cells: nestedCells({ max: 2 }) },
    });
    const text = await parent.evaluate(`
      caps.cells.create({ name: "child", grants: { fs: caps.fs.readOnly() } })
        .then((child) => child.evaluate('caps.fs.readFile("/a.txt", { encoding: "utf8" })'))`);
    expect(text).toBe("parent data");
    await expect(
      parent.evaluate(`caps.cells.create({ name: "evil", grants: { fs: "/etc" } })`),
    ).rejects.toMatchObject({ code: "CELL_ESCALATION" });
  });
  test("channels pass data and capabilities between cells, and revoke what they passed", async () => {
    const host = await createHost();
    const channel = host.channel("jobs");
    const producer = await host.createCell({ name: "producer", grants: { out: channel.a } });
    const consumer = await host.createCell({ name: "consumer", grants: { in: channel.b } });
    await producer.evaluate(`caps.out.send({ job: 1, done: (x) => "done " + x })`);
    expect(
      await consumer.evaluate(
        `caps.in.receive().then((m) => { globalThis.m = m; return m.done(m.job); })`,
      ),
    ).toBe("done 1");
    channel.revoke("closed");
    await expect(consumer.evaluate("m.done(2)")).rejects.toMatchObject({ code: "REVOKED" });
  });
});
