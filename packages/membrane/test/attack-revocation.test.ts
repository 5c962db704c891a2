// Attacks on revocation (makeMembrane invariant 4, membrane-handler.ts
// invariant 1, domain.ts invariant 3): after a revoke, every use of every
// reference — in both directions, through every trap, in flight, pending, or
// handed back in — fails with the membrane's RevokedError (code "REVOKED"),
// never with an engine TypeError and never with success; and revocation drops
// the references that would keep the host's targets alive.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { makeMembrane, observe, readOnly, RevokedError } from "@padded-cell/membrane";

const run = (globals: Record<string, unknown>, source: string): unknown =>
  new Compartment({ globals, __options__: true }).evaluate(source);

/** What a guest sees when `source` throws: the copy's name and code. */
const guestFailure = (globals: Record<string, unknown>, source: string): unknown =>
  run(
    globals,
    `try { ${source}; 'no error' } catch (e) { [e.name, e.code, e instanceof TypeError] }`,
  );

const REVOKED_FOR_GUEST = ["RevokedError", "REVOKED", false];

const makeHost = () => {
  class Widget {
    size = 1;
  }
  return {
    plain: { a: 1, nested: { b: 2 } },
    frozen: harden({ a: 1, nested: { b: 2 } }),
    sealed: Object.seal({ a: 1 }),
    list: [1, { x: 1 }],
    fn: (x: unknown) => x,
    Widget,
    map: new Map([[1, 2]]),
  };
};

// Every reflective operation a guest can apply to a view; each must fail with
// REVOKED after revocation.
const OPERATIONS = [
  "v.a",
  "v.a = 2",
  "'a' in v",
  "delete v.a",
  "Object.keys(v)",
  "Reflect.ownKeys(v)",
  "Object.getOwnPropertyDescriptor(v, 'a')",
  "Object.getOwnPropertyDescriptors(v)",
  "Object.defineProperty(v, 'z', { value: 1 })",
  "Object.getPrototypeOf(v)",
  "Object.setPrototypeOf(v, null)",
  "Object.isExtensible(v)",
  "Object.preventExtensions(v)",
  "Object.freeze(v)",
  "harden(v)",
  "({ ...v })",
  "JSON.stringify(v)",
  "v instanceof Object",
  "for (const k in v) {}",
];

describe("after membrane.revoke every operation throws REVOKED (invariant 1)", () => {
  for (const which of ["plain", "frozen", "sealed", "list"] as const) {
    test(`all reflective operations on a view of a ${which} object`, () => {
      const host = makeHost();
      const membrane = makeMembrane("revocation");
      const root = membrane.wrap(host);
      // The view was used (and, for frozen objects, possibly detached into a
      // snapshot) before revocation: revocation must still reach it.
      const v = run(
        { root },
        `const v = root.${which}; Reflect.ownKeys(v); Object.isExtensible(v); v`,
      );
      membrane.revoke("cell stopped");
      for (const operation of OPERATIONS) {
        expect(guestFailure({ v }, operation), operation).toEqual(REVOKED_FOR_GUEST);
      }
      expect(membrane.revoked).toBe(true);
    });
  }

  test("calls, construction and brand-checked methods of a revoked view", () => {
    const membrane = makeMembrane("revocation");
    const root = membrane.wrap(makeHost());
    const views = run(
      { root },
      "({ fn: root.fn, Widget: root.Widget, map: root.map, get: root.map.get })",
    );
    membrane.revoke("cell stopped");
    for (const source of [
      "views.fn(1)",
      "new views.Widget()",
      "views.map.get(1)",
      "views.get.call(views.map, 1)",
      "Reflect.apply(views.fn, null, [])",
      "views.fn.call(null, 1)",
      "views.fn.bind(null)()",
    ]) {
      expect(guestFailure({ views }, source), source).toEqual(REVOKED_FOR_GUEST);
    }
  });

  test("the reason is kept and names the membrane; revoking twice keeps the first reason", () => {
    const membrane = makeMembrane("plugin-x");
    const v = membrane.wrap({ a: 1 });
    membrane.revoke("first reason");
    membrane.revoke("second reason");
    const message = run({ v }, "try { v.a } catch (e) { e.message }") as string;
    expect(message).toContain("plugin-x");
    expect(message).toContain("first reason");
    expect(message).not.toContain("second reason");
    expect(() => membrane.wrap({})).toThrow(RevokedError);
  });
});

describe("both directions", () => {
  test("guest callbacks and guest objects the host holds die too", async () => {
    const membrane = makeMembrane("revocation");
    let held: { cb?: () => unknown; obj?: { x: number } } = {};
    const api = membrane.wrap({
      keep(cb: () => unknown, obj: { x: number }) {
        held = { cb, obj };
      },
    });
    run({ api }, "api.keep(() => 1, { x: 1 })");
    expect(held.cb?.()).toBe(1);
    membrane.revoke("cell stopped");
    expect(() => held.cb?.()).toThrow(RevokedError);
    expect(() => held.obj?.x).toThrow(RevokedError);
    expect(() => Reflect.ownKeys(held.obj as object)).toThrow(RevokedError);
    expect(() => Object.freeze(held.obj)).toThrow(RevokedError);
    await expect(Promise.resolve(held.obj)).rejects.toThrow(RevokedError);
  });

  test("a host function or constructor that revokes mid-call gives the guest REVOKED, not its result", () => {
    const secret = { secret: true };
    const cases: Array<[string, (revoke: () => void) => Record<string, unknown>]> = [
      ["api.f()", (revoke) => ({ f: () => (revoke(), secret) })],
      ["api.f()", (revoke) => ({ f: () => (revoke(), "late data") })],
      ["api.f().then(() => 'fulfilled')", (revoke) => ({ f: async () => (revoke(), secret) })],
      [
        "new api.Late()",
        (revoke) => ({
          Late: class {
            constructor() {
              revoke();
            }
          },
        }),
      ],
    ];
    for (const [source, makeApi] of cases) {
      const membrane = makeMembrane("revocation");
      const api = membrane.wrap(makeApi(() => membrane.revoke("revoked in flight")));
      expect(guestFailure({ api }, source), source).toEqual(REVOKED_FOR_GUEST);
    }
  });

  test("a guest callback that revokes (through a host function) mid-call gives the host REVOKED", () => {
    const membrane = makeMembrane("revocation");
    let outcome: unknown;
    const api = membrane.wrap({
      stop: () => membrane.revoke("guest asked"),
      callBack(cb: () => unknown) {
        try {
          outcome = cb();
        } catch (error) {
          outcome = error;
        }
      },
    });
    try {
      run({ api }, "api.callBack(() => { api.stop(); return { late: true }; })");
    } catch {
      // The guest's own call into the host is revoked too; only the host's
      // view of the callback's result matters here.
    }
    expect(outcome).toBeInstanceOf(RevokedError);
  });

  // Closes (was a break): (class: traps other than apply/construct do not re-check revocation
  // after the host code they run returns, and out() passes primitives without
  // a check) a host getter that revokes the membrane still delivers its value:
  //   m.wrap({ get x() { m.revoke("mid"); return "after-revoke"; } }) -> o.x === "after-revoke"
  // (/tmp/membrane-breaks.md, BREAK 4).
  test("a host getter that revokes mid-get gives REVOKED", () => {
    const membrane = makeMembrane("revocation");
    const o = membrane.wrap({
      get x() {
        membrane.revoke("mid");
        return "after-revoke";
      },
    });
    expect(guestFailure({ o }, "o.x")).toEqual(REVOKED_FOR_GUEST);
  });

  test("an observer that revokes during ownKeys or a descriptor read gives REVOKED, not an invariant TypeError", () => {
    for (const trigger of ["ownKeys", "getOwnPropertyDescriptor", "has", "getPrototypeOf"]) {
      const membrane = makeMembrane("revocation");
      const v = membrane.wrap(
        { a: { b: 1 }, c: 2 },
        observe((event) => {
          if (event.op === trigger) membrane.revoke(`during ${trigger}`);
        }),
      );
      const outcome = guestFailure(
        { v },
        "Reflect.ownKeys(v); Object.getOwnPropertyDescriptor(v, 'a'); 'a' in v; Object.getPrototypeOf(v); v.a.b",
      );
      expect(outcome, trigger).toEqual(REVOKED_FOR_GUEST);
    }
  });
});

describe("promises", () => {
  test("a host promise still pending at revocation rejects with REVOKED for the guest", async () => {
    const membrane = makeMembrane("revocation");
    let resolve: (value: unknown) => void = () => {};
    const api = membrane.wrap({
      later: () =>
        new Promise((r) => {
          resolve = r;
        }),
    });
    const outcome = run(
      { api },
      "api.later().then((v) => ['fulfilled', v], (e) => [e.name, e.code])",
    ) as Promise<unknown>;
    membrane.revoke("cell stopped");
    resolve({ secret: true });
    expect(await outcome).toEqual(["RevokedError", "REVOKED"]);
  });

  test("a guest promise the host awaits rejects with REVOKED for the host", async () => {
    const membrane = makeMembrane("revocation");
    let held: Promise<unknown> | undefined;
    const api = membrane.wrap({
      keep(p: Promise<unknown>) {
        held = p;
      },
    });
    run({ api }, "api.keep(new Promise(() => {}))");
    membrane.revoke("cell stopped");
    await expect(held).rejects.toThrow(RevokedError);
  });

  test("a guest thenable given to the host after revocation cannot run", () => {
    const membrane = makeMembrane("revocation");
    const api = membrane.wrap({ take: (x: unknown) => x });
    const held = run({ api }, "const t = { then(r) { r(1); } }; api.take(t); t") as object;
    expect(membrane.toHost(held)).not.toBe(held);
    membrane.revoke("cell stopped");
    expect(() => membrane.toHost(held)).toThrow(RevokedError);
  });
});

// Closes (was a break): (class: revocation rejects bridged promises nobody handles) revoking a
// membrane while the guest ignores pending host promises fires one
// 'unhandledRejection' per promise; under Node's default that is an uncaught
// exception and the host process dies. Un-comment once fixed
// (/tmp/membrane-breaks.md, BREAK 16).
test("revocation never produces an unhandled rejection", async () => {
  const seen: unknown[] = [];
  const record = (reason: unknown) => seen.push(reason);
  const previous = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", record);
  try {
    const membrane = makeMembrane("revocation");
    const api = membrane.wrap({ later: () => new Promise(() => {}), take: (p: unknown) => p });
    run({ api }, "for (let i = 0; i < 3; i += 1) api.later(); api.take(new Promise(() => {}));");
    membrane.revoke("cell stopped");
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.removeAllListeners("unhandledRejection");
    for (const listener of previous) process.on("unhandledRejection", listener);
  }
  expect(seen).toEqual([]);
});

describe("caretakers", () => {
  test("revoking a caretaker kills everything reached through it and nothing else", () => {
    const membrane = makeMembrane("revocation");
    const shared = { s: 1 };
    const host = { shared, db: { rows: [{ id: 1 }] } };
    const other = membrane.wrap({ shared, ok: 1 });
    const caretaker = membrane.revocable(host, { name: "db grant" });
    const reached = run(
      { v: caretaker.proxy },
      "({ db: v.db, rows: v.db.rows, row: v.db.rows[0], shared: v.shared })",
    );
    caretaker.revoke("grant withdrawn");
    for (const source of [
      "r.db.rows",
      "r.rows[0]",
      "r.row.id",
      "r.shared.s",
      "Reflect.ownKeys(r.row)",
    ]) {
      expect(guestFailure({ r: reached }, source), source).toEqual(REVOKED_FOR_GUEST);
    }
    expect(run({ other }, "[other.ok, other.shared.s]")).toEqual([1, 1]);
    const message = run({ r: reached }, "try { r.row.id } catch (e) { e.message }") as string;
    expect(message).toContain("db grant");
    expect(message).toContain("grant withdrawn");
  });

  test("membrane revocation is transitive to caretakers, including nested ones", () => {
    const membrane = makeMembrane("revocation");
    const outer = membrane.revocable({ a: { b: 1 } }, { name: "outer" });
    const inner = membrane.revocable({ c: 1 }, { name: "inner" });
    const a = run({ v: outer.proxy }, "v.a");
    membrane.revoke("everything");
    expect(guestFailure({ a }, "a.b")).toEqual(REVOKED_FOR_GUEST);
    expect(guestFailure({ v: inner.proxy }, "v.c")).toEqual(REVOKED_FOR_GUEST);
    // Revoking the caretaker afterwards is harmless and keeps the first reason.
    inner.revoke("late");
    expect(run({ v: inner.proxy }, "try { v.c } catch (e) { e.message }")).toContain("everything");
  });

  test("a revoked caretaker view passed back to a live function of the same membrane gives REVOKED, never its target", () => {
    const membrane = makeMembrane("revocation");
    const target = { secret: "s" };
    const caretaker = membrane.revocable(target, { name: "temp" });
    const received: unknown[] = [];
    const api = membrane.wrap({
      take(x: unknown) {
        received.push(x);
        return "taken";
      },
    });
    caretaker.revoke("expired");
    expect(guestFailure({ api, v: caretaker.proxy }, "api.take(v)")).toEqual(REVOKED_FOR_GUEST);
    expect(received).toEqual([]);
    expect(() => membrane.toHost(caretaker.proxy)).toThrow(RevokedError);
    // Wrapping the dead view again cannot revive it: the host is told at once.
    expect(() => membrane.wrap(caretaker.proxy)).toThrow(RevokedError);
  });
});

// Closes (was a break): (class: wrapIn short-circuits values that are already views) a
// caretaker made from an existing view is the view itself, or lives in the
// view's lifetime, so revoking the caretaker cuts nothing:
//   const v = m.wrap({ data: "live" }); const ct = m.revocable(v, { name: "g" });
//   ct.revoke("expired"); guest ct.proxy.data === "live"   (ct.proxy === v)
//   same with { policy: readOnly() }, and for revocable(outerCaretaker.proxy)
// And (minor) m.revoke(); m.revocable({ x: 1 }).proxy.x === 1.
// (/tmp/membrane-breaks.md, BREAK 10 and 11).
test("a caretaker over an existing view, or made after revocation, is revocable", () => {
  const membrane = makeMembrane("revocation");
  const view = membrane.wrap({ data: "live" });
  const plain = membrane.revocable(view, { name: "g1" });
  const narrowed = membrane.revocable(view, { name: "g2", policy: readOnly() });
  const nested = membrane.revocable(plain.proxy, { name: "g3" });
  nested.revoke("expired");
  expect(guestFailure({ v: nested.proxy }, "v.data")).toEqual(REVOKED_FOR_GUEST);
  plain.revoke("expired");
  narrowed.revoke("expired");
  expect(guestFailure({ v: plain.proxy }, "v.data")).toEqual(REVOKED_FOR_GUEST);
  expect(guestFailure({ v: narrowed.proxy }, "v.data")).toEqual(REVOKED_FOR_GUEST);
  expect(run({ view }, "view.data")).toBe("live");
  membrane.revoke("all");
  expect(() => membrane.revocable({ x: 1 })).toThrow(RevokedError);
});

const membraneDir = fileURLToPath(new URL("..", import.meta.url));

describe("revocation drops references (garbage collection)", () => {
  test("a revoked target is collected while the guest still holds its views; a live one is not", () => {
    // The child imports the built package; an up-to-date build is a no-op.
    try {
      execFileSync("npx", ["tsc", "-b", "."], { cwd: membraneDir, stdio: "ignore" });
    } catch {
      // A build error elsewhere leaves the last good build, which is still
      // the code under test for this property.
    }
    expect(existsSync(`${membraneDir}/dist/index.js`)).toBe(true);
    const script = `
      import "ses";
      lockdown({ errorTaming: "unsafe" });
      const { makeMembrane } = await import(new URL("./dist/index.js", "file://" + process.cwd() + "/").href);
      const collected = new Set();
      const registry = new FinalizationRegistry((label) => collected.add(label));
      const guests = [];
      for (const label of ["revoked", "live", "caretaker"]) {
        const membrane = makeMembrane(label);
        const revoke = (() => {
          const target = { payload: new Array(1000).fill(label), child: { deep: {} }, fn() { return this; } };
          registry.register(target, label);
          registry.register(target.child, label + "-child");
          const grant = label === "caretaker" ? membrane.revocable(target, { name: "grant" }) : undefined;
          const view = grant ? grant.proxy : membrane.wrap(target);
          const c = new Compartment({ globals: { view }, __options__: true });
          c.evaluate("globalThis.keep = [view, view.child, view.child.deep, view.fn]; view.fn(); view.payload.length");
          guests.push(c);
          return grant ? () => grant.revoke("test") : () => membrane.revoke("test");
        })();
        if (label !== "live") revoke();
      }
      for (let i = 0; i < 100 && collected.size < 4; i += 1) {
        gc();
        await new Promise((r) => setTimeout(r, 5));
      }
      console.log(JSON.stringify({ collected: [...collected].sort(), held: guests.map((c) => c.evaluate("keep.length")) }));
    `;
    const output = execFileSync(
      process.execPath,
      ["--expose-gc", "--input-type=module", "-e", script],
      { cwd: membraneDir, encoding: "utf8" },
    );
    expect(JSON.parse(output.trim())).toEqual({
      collected: ["caretaker", "caretaker-child", "revoked", "revoked-child"],
      held: [4, 4, 4],
    });
  });
});
