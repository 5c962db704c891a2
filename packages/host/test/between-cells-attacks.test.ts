// Attacks on what links cells: channels and nested cells. A channel must
// leak nothing but what is sent, and revoke what it carried; a sub-cell must
// never get more than its parent holds.
import { makeMemoryDirCap } from "@padded-cell/caps";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createHost, nestedCells } from "../src/index.js";

describe("channels", () => {
  test("a capability passed through a channel dies with the channel, in the receiver and wherever it went next", async () => {
    const host = await createHost();
    const ch = host.channel("caps");
    const relay = host.channel("relay");
    const owner = await host.createCell({
      name: "owner",
      grants: { out: ch.a, fs: makeMemoryDirCap({ seed: { "/s": "secret" } }) },
    });
    const middle = await host.createCell({ name: "middle", grants: { in: ch.b, out: relay.a } });
    const last = await host.createCell({ name: "last", grants: { in: relay.b } });
    await owner.evaluate(
      `caps.out.send({ read: () => caps.fs.readFile("/s", { encoding: "utf8" }) })`,
    );
    await middle.evaluate(
      `caps.in.receive().then((m) => { globalThis.m = m; return caps.out.send(m); })`,
    );
    await last.evaluate(`caps.in.receive().then((m) => { globalThis.m = m; })`);
    expect(await last.evaluate(`m.read()`)).toBe("secret");
    ch.revoke("channel closed");
    for (const cell of [middle, last]) {
      await expect(cell.evaluate(`(async () => m.read())()`)).rejects.toMatchObject({
        code: "REVOKED",
      });
    }
    // The owner's own grant is untouched.
    expect(await owner.evaluate(`caps.fs.readFile("/s", { encoding: "utf8" })`)).toBe("secret");
  });

  test("a pending receive is rejected when the channel is revoked, and later sends fail", async () => {
    const host = await createHost();
    const ch = host.channel("wait");
    const cell = await host.createCell({ name: "waiter", grants: { in: ch.b, out: ch.a } });
    const pending = cell.evaluate(`caps.in.receive().then(() => "got", (e) => e.code)`);
    ch.revoke("bye");
    expect(await pending).toBe("REVOKED");
    expect(
      await cell.evaluate(`(async () => caps.out.send(1))().then(() => "sent", (e) => e.code)`),
    ).toBe("REVOKED");
  });

  test("an unread channel is bounded: the sender gets CHANNEL_FULL, not unbounded memory", async () => {
    const host = await createHost();
    const ch = host.channel("small", { capacity: 3 });
    const cell = await host.createCell({ name: "flooder", grants: { out: ch.a } });
    const outcome = await cell.evaluate(`(async () => {
      for (let i = 0; i < 10; i += 1) {
        try { await caps.out.send(i); } catch (e) { return i + ":" + e.code; }
      }
      return "never full";
    })()`);
    expect(outcome).toBe("3:CHANNEL_FULL");
  });

  test("data sent on a channel arrives intact for any JSON-like value (property-based)", async () => {
    const host = await createHost();
    const ch = host.channel("data");
    const sender = await host.createCell({ name: "sender", grants: { out: ch.a } });
    const receiver = await host.createCell({ name: "receiver", grants: { in: ch.b } });
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        const text = JSON.stringify(value);
        await sender.evaluate(`caps.out.send(JSON.parse(${JSON.stringify(text)}))`);
        const back = await receiver.evaluate(`caps.in.receive().then((v) => JSON.stringify(v))`);
        expect(back).toBe(text);
      }),
      { numRuns: 60 },
    );
  });
});

describe("nested cells never get more than their parent", () => {
  const makeParent = async () => {
    const host = await createHost();
    const parent = await host.createCell({
      name: "parent",
      grants: {
        fs: makeMemoryDirCap({ seed: { "/public/a.txt": "a", "/private/b.txt": "b" } }),
        cells: nestedCells({ max: 2 }),
      },
    });
    return parent;
  };

  test("every request for rights by description is refused with CELL_ESCALATION", async () => {
    const parent = await makeParent();
    for (const grant of [`"/"`, `"fs"`, `42`, `true`, `null`, `Symbol("fs")`, `undefined`]) {
      const code = await parent.evaluate(
        `(async () => caps.cells.create({ name: "x", grants: { fs: ${grant} } }))().then(() => "created", (e) => e.code)`,
      );
      expect(code, grant).toBe("CELL_ESCALATION");
    }
  });

  test("a sub-cell cannot widen what it was given, nor reach its parent's other grants", async () => {
    const parent = await makeParent();
    const result = await parent.evaluate(`(async () => {
      const sub = await caps.cells.create({ name: "sub", grants: { pub: caps.fs.sub("/public").readOnly() } });
      const tries = [
        'caps.pub.readFile("../private/b.txt")',
        'Promise.resolve().then(() => caps.pub.sub(".."))',
        'caps.pub.writeFile("/a.txt", "x")',
        'Promise.resolve().then(() => caps.fs.readFile("/private/b.txt"))',
        'Promise.resolve().then(() => caps.cells.create({ name: "y" }))',
      ];
      const out = [];
      for (const t of tries) out.push(await sub.evaluate("(async () => " + t + ")().then(() => 'ok', (e) => e.code || e.name)"));
      out.push(await sub.evaluate('Object.keys(caps).join()'));
      return out.join("|");
    })()`);
    expect(String(result).split("|")).toEqual([
      "FS_OUTSIDE_ROOT",
      "FS_WIDEN_DENIED",
      "FS_DENIED_READ_ONLY",
      "TypeError",
      "TypeError",
      "pub",
    ]);
  });

  test("the sub-cell limit holds", async () => {
    const parent = await makeParent();
    const third = await parent.evaluate(`(async () => {
      for (let i = 0; i < 2; i += 1) await caps.cells.create({ name: "s" + i, grants: { fs: caps.fs } });
      return caps.cells.create({ name: "s2" }).then(() => "created", (e) => e.code);
    })()`);
    expect(third).toBe("CELL_ESCALATION");
  });

  test("revoking a parent revokes its sub-cells themselves, not only the parent's view of them", async () => {
    const host = await createHost();
    let spawn: ((options: { name: string }) => Promise<import("../src/index.js").Cell>) | undefined;
    const parent = await host.createCell({
      name: "parent",
      grants: {
        // A host-written grant factory may create sub-cells of its cell too.
        spawner: ({ createCell }) => {
          spawn = createCell;
          return harden({});
        },
      },
    });
    const child = await (spawn as NonNullable<typeof spawn>)({ name: "child" });
    expect(await child.evaluate("1 + 1")).toBe(2);
    await parent.revoke("parent gone");
    expect(child.revoked).toBe(true);
    await expect(child.evaluate("1")).rejects.toMatchObject({ code: "REVOKED" });
  });
});
