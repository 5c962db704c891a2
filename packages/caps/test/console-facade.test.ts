import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatValues } from "../src/console-format.js";
import { makeConsoleFacade } from "../src/console-facade.js";
import { makeResourceScope } from "../src/resource-scope.js";
import { makeStdio } from "../src/stdio-cap.js";

const setup = () => {
  const { cap, host } = makeStdio();
  return { console: makeConsoleFacade(cap), host };
};

describe("formatValues", () => {
  it("formats like console.log for ordinary values", () => {
    expect(formatValues(["a", 1, -0, 2n, true, null, undefined, Symbol("s")])).toBe(
      "a 1 -0 2n true null undefined Symbol(s)",
    );
    expect(formatValues([{ a: [1, "x"], "b-c": { d: 1 } }])).toBe(
      `{ a: [ 1, "x" ], "b-c": { d: 1 } }`,
    );
    expect(formatValues([[], {}, new Map([[1, "a"]]), new Set([1])])).toBe(
      `[] {} Map(1) { 1 => "a" } Set(1) { 1 }`,
    );
    expect(formatValues([new Uint8Array([1, 2]), /a+/gi, new Date(0)])).toBe(
      "Uint8Array(2) [ 1, 2 ] /a+/gi 1970-01-01T00:00:00.000Z",
    );
    expect(formatValues([function named() {}, () => 1])).toBe(
      "[Function: named] [Function (anonymous)]",
    );
    expect(formatValues([Object.create(null), new (class Foo {})()])).toBe(
      "[Object: null prototype] {} Foo {}",
    );
    expect(formatValues([new TypeError("bad")])).toBe("TypeError: bad");
    expect(formatValues(["%s has %d items (%i), %f%%", "list", 3, 4.7, 1.5])).toBe(
      "list has 3 items (4), 1.5%",
    );
    expect(formatValues(["%o and %j", { a: 1 }, "s", "extra"])).toBe(`{ a: 1 } and "s" extra`);
  });

  it("invariant 1: never runs getters, toString, valueOf, toPrimitive, toJSON or inspect hooks", () => {
    const calls: string[] = [];
    const hostile = {
      get secret() {
        calls.push("getter");
        throw new Error("getter ran");
      },
      set only(_v: unknown) {
        calls.push("setter");
      },
      toString() {
        calls.push("toString");
        return "x";
      },
      valueOf() {
        calls.push("valueOf");
        return 1;
      },
      [Symbol.toPrimitive]() {
        calls.push("toPrimitive");
        return "p";
      },
      toJSON() {
        calls.push("toJSON");
        return {};
      },
      [Symbol.for("nodejs.util.inspect.custom")]() {
        calls.push("inspect");
        return "i";
      },
    };
    const out = formatValues([
      "%s %d %i %f %j",
      hostile,
      hostile,
      hostile,
      hostile,
      hostile,
      hostile,
    ]);
    expect(calls).toEqual([]);
    expect(out).toContain("secret: [Getter]");
    expect(out).toContain("only: [Setter]");
    expect(out).toContain("NaN");
    const err = new Error("m");
    Object.defineProperty(err, "message", {
      get() {
        calls.push("message");
        return "x";
      },
    });
    expect(formatValues([err])).toBe("Error");
    expect(calls).toEqual([]);
  });

  it("invariant 1: proxies are shown as [Proxy] without running any trap", () => {
    let traps = 0;
    const handler = new Proxy(
      {},
      {
        get() {
          traps += 1;
          return () => {
            throw new Error("trap");
          };
        },
      },
    );
    const p = new Proxy({ a: 1 }, handler);
    const fp = new Proxy(() => 1, handler);
    expect(formatValues([p, fp, { nested: p }, [p]])).toBe(
      "[Proxy] [Function: Proxy] { nested: [Proxy] } [ [Proxy] ]",
    );
    const protoProxy = Object.create(p);
    expect(formatValues([protoProxy])).toBe("{}");
    expect(traps).toBe(0);
  });

  it("invariant 2: cycles, depth, item counts, strings and total length are bounded", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    a.list = [a];
    expect(formatValues([a])).toBe(`{ name: "a", self: [Circular], list: [ [Circular] ] }`);
    expect(formatValues([{ a: { b: { c: { d: 1 } } } }])).toBe("{ a: { b: { c: [Object] } } }");
    const big = Array.from({ length: 1000 }, (_, i) => i);
    expect(formatValues([big])).toMatch(/, 99, \.\.\. 900 more items \]$/);
    expect(formatValues(["y".repeat(20_000)]).length).toBeLessThanOrEqual(16384 + 20);
    const wide = Object.fromEntries(
      Array.from({ length: 5000 }, (_, i) => [`k${i}`, "v".repeat(100)]),
    );
    const out = formatValues([wide, wide, wide]);
    expect(out.length).toBeLessThanOrEqual(16384 + 20);
    expect(out.endsWith(" ... [truncated]")).toBe(true);
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    expect(formatValues([sparse])).toContain("more items");
  });

  it("invariant 2/3 (property): any value formats without throwing, within the bound", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.anything({
            withMap: true,
            withSet: true,
            withTypedArray: true,
            withDate: true,
            withBigInt: true,
          }),
        ),
        (args) => {
          const out = formatValues(args, { maxLength: 2000 });
          expect(typeof out).toBe("string");
          expect(out.length).toBeLessThanOrEqual(2000 + 20);
        },
      ),
    );
  });
});

describe("makeConsoleFacade", () => {
  it("routes log/info/debug to stdout and warn/error/trace/assert to stderr", () => {
    const { console: c, host } = setup();
    c.log("a", { b: 1 });
    c.info("i");
    c.debug("d");
    c.warn("w");
    c.error(new RangeError("e"));
    c.trace("t");
    c.assert(true, "never");
    c.assert(false, "yes");
    c.table([1]);
    c.dir({ x: 1 });
    expect(host.read()).toEqual({
      stdout: "a { b: 1 }\ni\nd\n[ 1 ]\n{ x: 1 }\n",
      stderr: "w\nRangeError: e\nTrace: t\nAssertion failed: yes\n",
    });
  });

  it("groups indent, counters count", () => {
    const { console: c, host } = setup();
    c.group("g");
    c.log("in\nside");
    c.groupEnd();
    c.count();
    c.count();
    c.count("x");
    c.countReset();
    c.count();
    expect(host.read().stdout).toBe("g\n  in\n  side\ndefault: 1\ndefault: 2\nx: 1\ndefault: 1\n");
  });

  it("invariant 3: unsupported members throw CONSOLE_NOT_SUPPORTED; failed output is silent", async () => {
    const { console: c } = setup();
    expect(() => c.time("t")).toThrow(expect.objectContaining({ code: "CONSOLE_NOT_SUPPORTED" }));
    expect(() => c.timeEnd("t")).toThrow(/console.timeEnd is not available/);
    const scope = makeResourceScope("p");
    const { cap } = makeStdio({ scope });
    const closed = makeConsoleFacade(cap);
    await scope.close("revoked");
    expect(() => closed.log("after revoke")).not.toThrow();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("works as the console of a compartment, hostile objects included", () => {
    const { console: c, host } = setup();
    const cell = new Compartment({ globals: { console: c }, __options__: true });
    cell.evaluate(`
      const o = { get boom() { throw new Error("no"); }, toString() { throw new Error("no"); } };
      o.me = o;
      console.log("value:", o);
    `);
    expect(host.read().stdout).toBe(
      "value: { boom: [Getter], toString: [Function: toString], me: [Circular] }\n",
    );
  });
});
