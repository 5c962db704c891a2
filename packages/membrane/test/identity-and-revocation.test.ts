// Points 2, 6 and 9: identity, revocation, and the defined result of bad
// input from the host.
import { describe, expect, test } from "vitest";
import { CellError, RevokedError, makeMembrane, readOnly } from "../src/index.js";
import { guest } from "./support.js";

describe("identity (invariant 2)", () => {
  test("same target, same proxy; crossing back gives the original", () => {
    const membrane = makeMembrane("id");
    const target = { n: 1 };
    const view = membrane.wrap(target);
    expect(membrane.wrap(target)).toBe(view);
    expect(membrane.toHost(view)).toBe(target);
    expect(membrane.wrap(view)).toBe(view); // no double wrapping
  });
  test("guest objects keep their identity on the host side too", () => {
    const membrane = makeMembrane("id");
    const seen: unknown[] = [];
    const run = guest({ keep: membrane.wrap((x: unknown) => seen.push(x)) });
    run("const o = {}; keep(o); keep(o); globalThis.o = o;");
    expect(seen[0]).toBe(seen[1]);
    expect(membrane.wrap(seen[0])).toBe(run("o"));
  });
  test("instanceof and WeakMap keys are consistent on each side", () => {
    class Thing {}
    const membrane = makeMembrane("id");
    const run = guest({ Thing: membrane.wrap(Thing), thing: membrane.wrap(new Thing()) });
    expect(run("thing instanceof Thing")).toBe(true);
    expect(run("const wm = new WeakMap([[thing, 1]]); wm.get(thing)")).toBe(1);
  });
  test("two membranes give independent views of the same object", () => {
    const a = makeMembrane("a");
    const b = makeMembrane("b");
    const target = { n: 1 };
    expect(a.wrap(target)).not.toBe(b.wrap(target));
    a.revoke("done");
    expect((b.wrap(target) as { n: number }).n).toBe(1);
  });
  test("a proxy from another membrane is an ordinary object: wrapped again, revoked by either", () => {
    const inner = makeMembrane("inner");
    const outer = makeMembrane("outer");
    const view = outer.wrap(inner.wrap({ n: 1 })) as { n: number };
    expect(view.n).toBe(1);
    inner.revoke("inner off");
    expect(() => view.n).toThrow(expect.objectContaining({ code: "REVOKED" }));
  });
});

describe("revocation (point 6)", () => {
  test("every use throws RevokedError naming the membrane and the reason, never a TypeError", () => {
    const membrane = makeMembrane("plugin-a");
    const run = guest({ v: membrane.wrap({ x: 1, f: function () {}, o: {} }) });
    run("globalThis.f = v.f; globalThis.o = v.o;");
    membrane.revoke("plugin disabled");
    for (const use of [
      "v.x",
      "f()",
      "o.y = 1",
      "Object.keys(o)",
      "'x' in v",
      "new f()",
      "Object.getPrototypeOf(o)",
    ]) {
      let error: any;
      try {
        run(use);
      } catch (e) {
        error = e;
      }
      expect(error, use).toBeDefined();
      expect(error.code, use).toBe("REVOKED");
      expect(error.name, use).toBe("RevokedError");
      expect(error.message, use).toMatch(/membrane "plugin-a" was revoked \(plugin disabled\)/);
    }
    expect(membrane.revoked).toBe(true);
  });
  test("the host side gets the RevokedError class itself", () => {
    const membrane = makeMembrane("h");
    const fn = membrane.toHost(guest()("() => 1")) as () => number;
    membrane.revoke("bye");
    expect(() => fn()).toThrow(RevokedError);
    expect(() => fn()).toThrow(CellError);
  });
  test("a call in flight when revoked fails when it returns", () => {
    const membrane = makeMembrane("flight");
    const run = guest({
      v: membrane.wrap({
        work() {
          membrane.revoke("revoked mid-call");
          return { result: 1 };
        },
      }),
    });
    expect(() => run("v.work()")).toThrow(/revoked mid-call/);
  });
  test("pending promises reject with RevokedError in both directions", async () => {
    const membrane = makeMembrane("pending");
    let release: (v: unknown) => void = () => {};
    const run = guest({ v: membrane.wrap({ wait: () => new Promise((r) => (release = r)) }) });
    const guestSide = run("v.wait().then(() => 'resolved', (e) => e.code)");
    const guestPromise = membrane.toHost(run("new Promise(() => {})")) as Promise<unknown>;
    membrane.revoke("stop");
    release({});
    expect(await guestSide).toBe("REVOKED");
    await expect(guestPromise).rejects.toThrow(RevokedError);
  });
  test("callbacks the guest registered with the host die too", () => {
    const membrane = makeMembrane("cb");
    const listeners: Array<() => void> = [];
    const run = guest({ on: membrane.wrap((f: () => void) => listeners.push(f)) });
    run("on(() => 1)");
    membrane.revoke("gone");
    expect(() => listeners[0]?.()).toThrow(RevokedError);
  });
  test("a caretaker revokes one reference and everything reached through it, nothing else", () => {
    const membrane = makeMembrane("cell");
    const fs = { dir: { read: () => "data" } };
    const other = { ok: () => true };
    const caretaker = membrane.revocable(fs, { name: "fs" });
    const run = guest({ fs: caretaker.proxy, other: membrane.wrap(other) });
    run("globalThis.dir = fs.dir");
    caretaker.revoke("fs withdrawn");
    expect(() => run("dir.read()")).toThrow(
      /fs \(in membrane "cell"\) was revoked \(fs withdrawn\)/,
    );
    expect(run("other.ok()")).toBe(true);
    membrane.revoke("all");
    expect(() => run("other.ok()")).toThrow(/membrane "cell" was revoked/);
  });
  test("revoking the membrane revokes its caretakers with the membrane's reason", () => {
    const membrane = makeMembrane("cell");
    const { proxy } = membrane.revocable({ x: 1 }, { name: "fs" });
    membrane.revoke("cell stopped");
    expect(() => (proxy as { x: number }).x).toThrow(
      /membrane "cell" was revoked \(cell stopped\)/,
    );
  });
  test("a revoked view passed back in is refused", () => {
    const membrane = makeMembrane("back");
    const { proxy, revoke } = membrane.revocable({ x: 1 });
    const run = guest({ give: membrane.wrap((x: unknown) => x), proxy });
    revoke("done");
    expect(() => run("give(proxy)")).toThrow(expect.objectContaining({ code: "REVOKED" }));
  });
});

describe("bad input from the host (point 9)", () => {
  test("revoking twice keeps the first reason", () => {
    const membrane = makeMembrane("twice");
    const view = membrane.wrap({}) as Record<string, unknown>;
    membrane.revoke("first");
    membrane.revoke("second");
    expect(() => view.x).toThrow(/\(first\)/);
  });
  test("wrapping after revocation throws RevokedError", () => {
    const membrane = makeMembrane("after");
    membrane.revoke("done");
    expect(() => membrane.wrap({})).toThrow(RevokedError);
    expect(membrane.wrap(5)).toBe(5);
  });
  test.each([undefined, "", 5, {}, "x".repeat(201)])(
    "a bad membrane name (%j) is refused",
    (name) => {
      expect(() => makeMembrane(name as string)).toThrow(
        expect.objectContaining({ code: "MEMBRANE_BAD_ARGUMENT" }),
      );
    },
  );
  test("a non-string revocation reason is refused, the membrane stays alive", () => {
    const membrane = makeMembrane("reason");
    const hostile = {
      toString: () => {
        throw new Error("boom");
      },
    };
    expect(() => membrane.revoke(hostile as unknown as string)).toThrow(
      expect.objectContaining({ code: "MEMBRANE_BAD_ARGUMENT" }),
    );
    expect(membrane.revoked).toBe(false);
  });
  test("wrapping a view with a policy narrows it and keeps its lifetime", () => {
    const membrane = makeMembrane("narrow");
    const target = { x: 1 };
    const { proxy, revoke } = membrane.revocable(target);
    const narrowed = membrane.wrap(proxy, readOnly()) as { x: number };
    expect(() => guest({ n: narrowed })("n.x = 2")).toThrow(
      expect.objectContaining({ code: "MEMBRANE_READ_ONLY" }),
    );
    revoke("gone");
    expect(() => narrowed.x).toThrow(expect.objectContaining({ code: "REVOKED" }));
  });
});
