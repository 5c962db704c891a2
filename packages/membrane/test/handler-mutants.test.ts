// Mutation tests for membrane-handler.ts (issue 16): the policy side of the
// traps. Oracles are tables written from the spec (which trap an operation
// reaches, what the view of a key must be), never the policy records.
//
// Classes closed: a trap that skips or misnames its observer event; a path
// (get, has, keys, descriptor, prototype chain, frozen snapshot) that shows
// a hidden or substituted key; the array `length` exemption lost or widened;
// a read-only view that leaks a setter; unpinned denial messages.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  allowOnly,
  compose,
  hide,
  makeMembrane,
  observe,
  readOnly,
  substitute,
  type AccessEvent,
} from "../src/index.js";
import { guest } from "./support.js";

const message = (f: () => unknown): string => {
  try {
    f();
    return "no error";
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
};

const show = (e: AccessEvent): string =>
  `${e.op}${"key" in e ? `:${String(e.key)}` : ""}${Object.isFrozen(e) ? "" : " (not frozen)"}`;

describe("observers see every trap, once, with its key, before it happens", () => {
  // What each guest operation must report, from the spec of each trap.
  const table: Array<[string, string[]]> = [
    ["v.x", ["get:x"]],
    ["'x' in v", ["has:x"]],
    ["v.x = 3", ["set:x"]],
    ["delete v.x", ["delete:x"]],
    ["Object.defineProperty(v, 'y', { value: 1, configurable: true })", ["define:y"]],
    ["Object.getPrototypeOf(v)", ["getPrototypeOf"]],
    ["Object.setPrototypeOf(v, Object.prototype)", ["setPrototypeOf"]],
    ["Object.getOwnPropertyDescriptor(v, 'x')", ["getOwnPropertyDescriptor:x"]],
    ["Reflect.ownKeys(v)", ["ownKeys"]],
    ["v.f(1)", ["get:f", "apply"]],
    ["new v.C(2)", ["get:C", "construct"]],
    ["Object.preventExtensions(v)", ["preventExtensions"]],
    ["Object.isExtensible(v)", []],
    ["v.o.x", ["get:o", "get:x"]],
  ];
  const host = () => ({
    x: 1,
    o: { x: 2 },
    C: class {
      constructor(public a = 1) {}
    },
    f: (a: unknown) => a,
  });
  test.each(table)("%s", (src, events) => {
    const log: string[] = [];
    const run = guest({
      v: makeMembrane("o").wrap(
        host(),
        observe((e) => log.push(show(e))),
      ),
    });
    run(src);
    expect(log).toEqual(events);
  });
  test("after detaching (preventExtensions), traps on the snapshot still report", () => {
    const log: string[] = [];
    const run = guest({
      v: makeMembrane("o").wrap(
        host(),
        observe((e) => log.push(show(e))),
      ),
    });
    run(
      "Object.defineProperty(v, 'y', { value: 1, configurable: true }); Object.preventExtensions(v)",
    );
    for (const [src, events] of [
      ["v.x", ["get:x"]],
      ["'x' in v", ["has:x"]],
      ["Reflect.ownKeys(v).length", ["ownKeys"]],
      ["delete v.y", ["delete:y"]],
      ["Object.defineProperty(v, 'x', { value: 5 })", ["define:x"]],
      ["Object.getPrototypeOf(v)", ["getPrototypeOf"]],
      ["Object.getOwnPropertyDescriptor(v, 'x')", ["getOwnPropertyDescriptor:x"]],
    ] as Array<[string, string[]]>) {
      log.length = 0;
      run(src);
      expect(log, src).toEqual(events);
    }
  });
  test("an observer that throws stops the operation before the host sees it", () => {
    const target = { x: 1, o: { y: 1 } };
    const run = guest({
      v: makeMembrane("o").wrap(
        target,
        observe((e) => {
          if (e.op !== "get") throw new Error(`no ${e.op}`);
        }),
      ),
    });
    for (const src of [
      "v.x = 2",
      "delete v.x",
      "Object.defineProperty(v, 'z', { value: 1 })",
      "Object.setPrototypeOf(v, null)",
      "v.o.y = 2",
    ]) {
      expect(() => run(src), src).toThrow(/^no /);
    }
    expect(target).toEqual({ x: 1, o: { y: 1 } });
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
  });
  test("no policy observers: views without observe() call nothing", () => {
    const run = guest({ v: makeMembrane("o").wrap({ x: 1 }, hide(["y"])) });
    expect(run("v.x")).toBe(1);
  });
});

type Tree = { [key: string]: Tree | number };
const KEYS = ["a", "b", "c", "length"] as const;
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.dictionary(
    fc.constantFrom("a", "b", "c"),
    fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.integer(), tie("node")),
    { minKeys: 1, maxKeys: 3 },
  ),
})).node;

describe("a hidden or substituted key is consistent on every path", () => {
  test("class: get, in, keys, descriptors, spread, the prototype chain and a frozen snapshot agree with the spec", () => {
    fc.assert(
      fc.property(
        tree,
        fc.subarray([...KEYS]),
        fc.dictionary(fc.constantFrom(...KEYS), fc.integer({ min: 100, max: 200 })),
        fc.boolean(),
        fc.boolean(),
        (host, hidden, subs, frozen, onProto) => {
          const real = onProto ? Object.create(host) : { ...host };
          if (frozen) Object.freeze(real);
          const run = guest({
            v: makeMembrane("p").wrap(real, compose(hide(hidden), substitute(subs))),
          });
          for (const k of KEYS) {
            const isHidden = hidden.includes(k);
            const sub = k in subs ? subs[k] : undefined;
            const present = !isHidden && (sub !== undefined || k in host);
            const ownPresent = !isHidden && (sub !== undefined || (!onProto && k in host));
            const want = isHidden
              ? undefined
              : sub !== undefined
                ? sub
                : typeof host[k] === "object"
                  ? "object"
                  : host[k];
            const read = (x: unknown) => (typeof x === "object" && x !== null ? "object" : x);
            expect(read(run(`v[${JSON.stringify(k)}]`)), k).toBe(want);
            expect(run(`${JSON.stringify(k)} in v`), k).toBe(present);
            expect(run(`Reflect.ownKeys(v).includes(${JSON.stringify(k)})`), k).toBe(ownPresent);
            const desc = run<PropertyDescriptor | undefined>(
              `Object.getOwnPropertyDescriptor(v, ${JSON.stringify(k)})`,
            );
            expect(desc !== undefined, k).toBe(ownPresent);
            if (sub !== undefined && !isHidden) {
              expect(desc, k).toEqual({
                value: sub,
                writable: false,
                enumerable: true,
                configurable: !frozen ? true : desc?.configurable,
              });
            }
            expect(read(run(`({ ...v })[${JSON.stringify(k)}]`)), k).toBe(
              ownPresent ? want : undefined,
            );
          }
          // Freezing the view never changes what it shows.
          run("Object.freeze(v)");
          for (const k of KEYS) {
            const isHidden = hidden.includes(k);
            const ownPresent = !isHidden && (k in subs || (!onProto && k in host));
            expect(run(`Reflect.ownKeys(v).includes(${JSON.stringify(k)})`), `frozen ${k}`).toBe(
              ownPresent,
            );
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  test("an array shows its real length even when hidden or substituted, but refuses writing it", () => {
    const arr = [1, 2, 3];
    const run = guest({
      h: makeMembrane("a").wrap(arr, hide(["length", "0"])),
      s: makeMembrane("a").wrap(arr, substitute({ length: 9, 1: "one" })),
      o: makeMembrane("a").wrap({ length: 4 }, hide(["length"])),
    });
    expect(
      run("[h.length, 'length' in h, Reflect.ownKeys(h).includes('length'), h[0], 0 in h]"),
    ).toEqual([3, true, true, undefined, false]);
    expect(run("Object.getOwnPropertyDescriptor(h, 'length').value")).toBe(3);
    expect(run("[s.length, s[1], Object.getOwnPropertyDescriptor(s, 'length').value]")).toEqual([
      3,
      "one",
      3,
    ]);
    expect(run("[o.length, 'length' in o]")).toEqual([undefined, false]);
    expect(message(() => run("h.length = 0"))).toMatchInlineSnapshot(
      `"MEMBRANE_HIDDEN: Cannot set "length": this view does not expose it (policy hide(length, 0))."`,
    );
    expect(message(() => run("s.length = 0"))).toMatchInlineSnapshot(
      `"MEMBRANE_HIDDEN: Cannot set "length": this view does not expose it (policy substitute(1, length))."`,
    );
    expect(arr).toEqual([1, 2, 3]);
  });

  test("substituted keys not on the host are listed once, and not when hidden", () => {
    const run = guest({
      v: makeMembrane("k").wrap({ a: 1 }, compose(substitute({ a: 2, b: 3, c: 4 }), hide(["c"]))),
    });
    expect(run("Reflect.ownKeys(v)")).toEqual(["a", "b"]);
    expect(run("Object.keys(Object.freeze(v))")).toEqual(["a", "b"]);
  });
});

describe("read-only views and accessors", () => {
  test("a read-only view shows getters but no setter; a writable view shows both", () => {
    let stored = 1;
    const host = {
      get x() {
        return stored;
      },
      set x(v: number) {
        stored = v;
      },
    };
    const run = guest({
      ro: makeMembrane("r").wrap(host, readOnly()),
      rw: makeMembrane("r").wrap(host, hide(["y"])),
    });
    expect(
      run(
        "const d = Object.getOwnPropertyDescriptor(ro, 'x'); [typeof d.get, d.set, d.get.call(ro)]",
      ),
    ).toEqual(["function", undefined, 1]);
    expect(run("typeof Object.getOwnPropertyDescriptor(rw, 'x').set")).toBe("function");
    run("Object.getOwnPropertyDescriptor(rw, 'x').set.call(rw, 5)");
    expect(stored).toBe(5);
    expect(run("rw.x")).toBe(5);
  });
  test("Reflect.get and Reflect.set with another receiver convert it", () => {
    const host = {
      get me() {
        return this;
      },
      x: 1,
    };
    const membrane = makeMembrane("recv");
    const other = { tag: "other" };
    const run = guest({ v: membrane.wrap(host, hide(["y"])), w: membrane.wrap(other) });
    expect(run("Reflect.get(v, 'me', w).tag")).toBe("other");
    expect(run("Reflect.get(v, 'me') === v")).toBe(true);
    run("Reflect.set(v, 'x', 7, w)");
    expect((other as Record<string, unknown>).x).toBe(7);
    expect(host.x).toBe(1);
  });
  test("each denial names the operation, the key and the grant", () => {
    const long = "k".repeat(100);
    const edge = "k".repeat(78);
    const s = Symbol("sym");
    const ro = guest({
      v: makeMembrane("t").wrap({ x: 1, m: new Map() }, readOnly()),
      long,
      s,
      edge,
    });
    const hd = guest({
      v: makeMembrane("t").wrap({ x: 1 }, hide(["x", long, s, edge])),
      long,
      s,
      edge,
    });
    expect([
      message(() => ro("v.x = 2")),
      message(() => ro("v[long] = 2")),
      message(() => ro("v[s] = 2")),
      message(() => ro("delete v.x")),
      message(() => ro("Object.defineProperty(v, 'x', { value: 1 })")),
      message(() => ro("Object.setPrototypeOf(v, null)")),
      message(() => ro("v.m.set(1, 2)")),
      message(() => hd("v.x = 2")),
      message(() => hd("v[edge] = 2")),
      message(() => hd("v[s] = 2")),
      message(() => hd("delete v[long]")),
      message(() => hd("Object.defineProperty(v, 'x', { value: 1 })")),
    ]).toMatchInlineSnapshot(`
        [
          "MEMBRANE_READ_ONLY: Cannot set "x": this view is read-only (granted with readOnly()); it needs a writable grant.",
          "MEMBRANE_READ_ONLY: Cannot set "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...: this view is read-only (granted with readOnly()); it needs a writable grant.",
          "MEMBRANE_READ_ONLY: Cannot set Symbol(sym): this view is read-only (granted with readOnly()); it needs a writable grant.",
          "MEMBRANE_READ_ONLY: Cannot delete "x": this view is read-only (granted with readOnly()); it needs a writable grant.",
          "MEMBRANE_READ_ONLY: Cannot define "x": this view is read-only (granted with readOnly()); it needs a writable grant.",
          "MEMBRANE_READ_ONLY: Cannot setPrototypeOf this object: this view is read-only (granted with readOnly()); it needs a writable grant.",
          "MEMBRANE_READ_ONLY: Cannot call a mutating built-in method: this view is read-only (granted with readOnly()).",
          "MEMBRANE_HIDDEN: Cannot set "x": this view does not expose it (policy hide(x, kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk, Symbol(sym), kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk)).",
          "MEMBRANE_HIDDEN: Cannot set "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk": this view does not expose it (policy hide(x, kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk, Symbol(sym), kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk)).",
          "MEMBRANE_HIDDEN: Cannot set Symbol(sym): this view does not expose it (policy hide(x, kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk, Symbol(sym), kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk)).",
          "MEMBRANE_HIDDEN: Cannot delete "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...: this view does not expose it (policy hide(x, kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk, Symbol(sym), kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk)).",
          "MEMBRANE_HIDDEN: Cannot define "x": this view does not expose it (policy hide(x, kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk, Symbol(sym), kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk)).",
        ]
      `);
  });
});

describe("writes that a policy allows go through, converted", () => {
  test("allowOnly() does not deny what has no key (setPrototypeOf)", () => {
    const host = { a: 1 };
    const run = guest({
      v: makeMembrane("w").wrap(host, allowOnly(["a"])),
    });
    run("Object.setPrototypeOf(v, null)");
    expect(Object.getPrototypeOf(host)).toBe(null);
  });
  test("delete through a writable view removes the key and reports success", () => {
    const host: Record<string, unknown> = { a: 1, b: 2 };
    const run = guest({ v: makeMembrane("w").wrap(host, hide(["z"])) });
    expect(run("delete v.a")).toBe(true);
    expect(run("Reflect.deleteProperty(v, 'b')")).toBe(true);
    expect(host).toEqual({});
    expect(run("Reflect.ownKeys(v)")).toEqual([]);
  });
  test("accessors the guest defines reach the host converted, and come back as themselves", () => {
    const host: Record<string, unknown> = {};
    const membrane = makeMembrane("w");
    const run = guest({ v: membrane.wrap(host, hide(["z"])) });
    run(
      "globalThis.g = () => 1; globalThis.s = (x) => {}; Object.defineProperty(v, 'x', { get: g, set: s, configurable: true })",
    );
    expect(
      run("const d = Object.getOwnPropertyDescriptor(v, 'x'); [d.get === g, d.set === s]"),
    ).toEqual([true, true]);
  });
});
