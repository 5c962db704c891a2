// Point 4 of the membrane's contract: how each kind of value crosses, and that
// the receiver can use it as what it is. The README's table is this file.
import { Buffer } from "node:buffer";
import { describe, expect, test } from "vitest";
import { makeMembrane } from "../src/index.js";
import { guest } from "./support.js";

const setup = (value: unknown) => {
  const membrane = makeMembrane("values");
  const run = guest({ v: membrane.wrap(value) });
  return { membrane, run };
};

describe("primitives cross as themselves", () => {
  test.each([1, "s", true, null, undefined, 10n, Symbol.iterator])("%s", (value) => {
    const membrane = makeMembrane("p");
    expect(membrane.wrap(value)).toBe(value);
    expect(membrane.toHost(value)).toBe(value);
  });
  test("a unique symbol crosses as itself and still keys the host object", () => {
    const secret = Symbol("s");
    const { run } = setup({ [secret]: 1, secret });
    expect(run("v[v.secret]")).toBe(1);
  });
});

describe("by reference (a live view)", () => {
  test("plain objects: reads see host changes, writes reach the host", () => {
    const host = { a: 1 } as Record<string, unknown>;
    const { run } = setup(host);
    host.a = 2;
    expect(run("v.a")).toBe(2);
    run("v.b = 3");
    expect(host.b).toBe(3);
  });
  test("arrays: Array.isArray, iteration, spread and generic methods work", () => {
    const { run } = setup([1, 2, 3]);
    expect(run("Array.isArray(v)")).toBe(true);
    expect(run("[...v].join()")).toBe("1,2,3");
    expect(run("v.map((x) => x * 2).join()")).toBe("2,4,6");
    expect(run("let s = 0; for (const x of v) s += x; s")).toBe(6);
    expect(run("v instanceof Array")).toBe(true);
  });
  test("functions and methods are callable, with `this` unwrapped for the host", () => {
    const host = {
      n: 2,
      times(x: number) {
        return this.n * x;
      },
    };
    const { run } = setup(host);
    expect(run("v.times(21)")).toBe(42);
  });
  test("classes are constructible and instances keep their brand", () => {
    class Point {
      #x: number;
      constructor(x: number) {
        this.#x = x;
      }
      get x() {
        return this.#x;
      }
      plus(other: Point) {
        return new Point(this.#x + other.#x);
      }
    }
    const { run } = setup(Point);
    expect(run("const p = new v(2); p.plus(new v(3)).x")).toBe(5);
    expect(run("new v(1) instanceof v")).toBe(true);
    expect(run("class Q extends v { twice() { return this.x * 2; } }; new Q(4).twice()")).toBe(8);
  });
  test("getters and setters run on the host with the real receiver", () => {
    let stored = 0;
    const host = {
      get value() {
        return stored;
      },
      set value(x: number) {
        stored = x;
      },
    };
    const { run } = setup(host);
    run("v.value = 7");
    expect(stored).toBe(7);
    expect(run("v.value")).toBe(7);
    expect(run("typeof Object.getOwnPropertyDescriptor(v, 'value').get")).toBe("function");
  });
  test("Map and Set: methods work through the view and results are wrapped", () => {
    const key = { k: 1 };
    const host = { map: new Map<unknown, unknown>([[key, { n: 1 }]]), set: new Set([1, 2]), key };
    const { run } = setup(host);
    expect(run("v.map.get(v.key).n")).toBe(1);
    expect(run("v.map.size")).toBe(1);
    expect(run("[...v.set].join()")).toBe("1,2");
    expect(run("v.set.has(2)")).toBe(true);
    expect(run("v.map instanceof Map")).toBe(true);
    run("v.map.set('x', 1)");
    expect(host.map.get("x")).toBe(1);
  });
  test("WeakMap keyed by host objects stays consistent across the membrane", () => {
    const key = {};
    const host = { wm: new WeakMap([[key, "found"]]), key };
    const { run } = setup(host);
    expect(run("v.wm.get(v.key)")).toBe("found");
    expect(run("const k = {}; v.wm.set(k, 'guest'); v.wm.get(k)")).toBe("guest");
  });
  test("iterators and async iterators from generators", async () => {
    const host = {
      *nums() {
        yield 1;
        yield 2;
      },
      async *later() {
        yield { n: 1 };
        yield { n: 2 };
      },
    };
    const { run } = setup(host);
    expect(run("[...v.nums()].join()")).toBe("1,2");
    expect(
      await run(
        "(async () => { let s = 0; for await (const x of v.later()) s += x.n; return s; })()",
      ),
    ).toBe(3);
  });
  test("objects with #private fields keep working through their methods", () => {
    class Secret {
      #s = 41;
      reveal() {
        return this.#s + 1;
      }
    }
    const { run } = setup(new Secret());
    expect(run("v.reveal()")).toBe(42);
  });
});

describe("promises are bridged: a promise of the receiving side", () => {
  test("await works and the result is wrapped", async () => {
    const result = { n: 1 };
    const { membrane, run } = setup({ p: Promise.resolve(result) });
    const seen = await run("v.p.then((x) => x)");
    expect(seen).not.toBe(result);
    expect(membrane.toHost(seen)).toBe(result);
    expect(await run("v.p.then((x) => x.n)")).toBe(1);
  });
  test("rejections arrive as copied errors", async () => {
    const { run } = setup({ p: Promise.reject(Object.assign(new Error("no"), { code: "E_NO" })) });
    await expect(run("v.p.catch((e) => e.code + ':' + e.message)")).resolves.toBe("E_NO:no");
  });
  test("async host functions", async () => {
    const { run } = setup({
      async twice(x: number) {
        return x * 2;
      },
    });
    expect(await run("v.twice(4)")).toBe(8);
  });
});

describe("by copy", () => {
  test("Uint8Array arrives as real bytes: TextDecoder, Buffer.from and mutation isolation", () => {
    const bytes = new TextEncoder().encode("héllo");
    const { membrane, run } = setup({ bytes });
    const seen = run("v.bytes");
    expect(seen).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(seen)).toBe("héllo");
    expect(Buffer.from(seen).toString()).toBe("héllo");
    expect(run("new TextDecoder().decode(v.bytes)")).toBe("héllo");
    run("v.bytes[0] = 0");
    expect(bytes[0]).toBe(104);
    expect(membrane.toHost(seen)).not.toBe(bytes);
  });
  test("Buffer arrives as a plain Uint8Array (the guest has no Buffer)", () => {
    const { run } = setup({ buf: Buffer.from("ab") });
    expect(run("Object.getPrototypeOf(v.buf) === Uint8Array.prototype")).toBe(true);
    expect(run("v.buf.length")).toBe(2);
  });
  test.each([
    ["Int16Array", new Int16Array([-1, 2])],
    ["Float64Array", new Float64Array([1.5])],
    ["BigInt64Array", new BigInt64Array([5n])],
  ])("%s keeps its type and values", (name, array) => {
    // SES compartments have no Float64Array global, so the type is read from the tag.
    const { run } = setup({ array });
    expect(run("v.array[Symbol.toStringTag]")).toBe(name);
    expect(run("v.array.join()")).toBe(array.join());
  });
  test("ArrayBuffer and DataView are copied", () => {
    const buffer = new Uint8Array([1, 2, 3, 4]).buffer;
    const view = new DataView(buffer, 1, 2);
    const { run } = setup({ buffer, view });
    expect(run("v.buffer.byteLength")).toBe(4);
    expect(run("v.view.getUint8(0) + v.view.byteLength")).toBe(4);
    run("new Uint8Array(v.buffer)[0] = 9");
    expect(new Uint8Array(buffer)[0]).toBe(1);
  });
  test("guest bytes passed to the host are copied too", () => {
    let received: unknown;
    const { run } = setup({ take: (x: unknown) => (received = x) });
    run("const b = new Uint8Array([7]); v.take(b); b[0] = 1;");
    expect(received).toBeInstanceOf(Uint8Array);
    expect((received as Uint8Array)[0]).toBe(7);
  });
  test("Date and RegExp are copied and usable", () => {
    const date = new Date(86_400_000);
    const { run } = setup({ date, re: /a+b/giy });
    expect(run("v.date.getTime()")).toBe(86_400_000);
    expect(run("v.date instanceof Date")).toBe(true);
    run("v.date.setTime(0)");
    expect(date.getTime()).toBe(86_400_000);
    expect(run("v.re.flags + ':' + v.re.source")).toBe("giy:a+b");
  });
  test("an object whose prototype claims a copied kind is wrapped, not copied", () => {
    const fake = Object.create(Date.prototype) as object;
    const { run } = setup({ fake });
    expect(run("v.fake instanceof Date")).toBe(true);
    expect(() => run("v.fake.getTime()")).toThrow(TypeError);
  });
});

describe("errors are copied without host stack or paths", () => {
  test("name, message and code survive; stack frames do not", () => {
    const { run } = setup({
      fail() {
        throw Object.assign(new RangeError("too big"), { code: "E_BIG", secret: { host: true } });
      },
    });
    const error = run("try { v.fail() } catch (e) { e }");
    expect(error).toBeInstanceOf(RangeError);
    expect(error.name).toBe("RangeError");
    expect(error.message).toBe("too big");
    expect(error.code).toBe("E_BIG");
    expect(error.secret).toBeUndefined();
    expect(error.stack).toBe("RangeError: too big");
  });
  test("custom error classes keep their name", () => {
    class QuotaError extends Error {
      override name = "QuotaError";
    }
    const { run } = setup({
      fail: () => {
        throw new QuotaError("over");
      },
    });
    expect(run("try { v.fail() } catch (e) { e.name + ':' + (e instanceof Error) }")).toBe(
      "QuotaError:true",
    );
  });
  test("engine errors thrown while running host code cross the same way", () => {
    const recurse = (n: number): number => recurse(n + 1) + 1;
    const { run } = setup({
      recurse,
      typeError: () => (null as unknown as { x: number }).x,
    });
    const overflow = run("try { v.recurse(0) } catch (e) { e }");
    expect(overflow.name).toBe("RangeError");
    expect(overflow.stack).not.toMatch(/\bat\b/);
    const typeError = run("try { v.typeError() } catch (e) { e }");
    expect(typeError).toBeInstanceOf(TypeError);
    expect(typeError.stack).not.toContain("/");
  });
  test("host paths in a non-CellError message are redacted", async () => {
    const { readFile } = await import("node:fs/promises");
    const { run } = setup({ read: () => readFile("/definitely/not/here/secret.txt") });
    const message = await run("v.read().catch((e) => e.code + ' ' + e.message)");
    expect(message).toMatch(/^ENOENT /);
    expect(message).not.toContain("/definitely");
    expect(message).toContain("<host path>");
  });
  test("errors the guest throws reach the host as copies", () => {
    const membrane = makeMembrane("g");
    const run = guest();
    const thrower = membrane.toHost(
      run("() => { const e = new TypeError('guest'); e.code = 'G'; e.extra = {}; throw e; }"),
    );
    try {
      (thrower as () => void)();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect((error as { code: string }).code).toBe("G");
      expect((error as { extra?: unknown }).extra).toBeUndefined();
    }
  });
});

describe("shared intrinsics pass through unwrapped", () => {
  test("prototypes of plain objects and arrays are the guest's own intrinsics", () => {
    const { run } = setup({ o: {}, a: [] });
    expect(run("Object.getPrototypeOf(v.o) === Object.prototype")).toBe(true);
    expect(run("Object.getPrototypeOf(v.a) === Array.prototype")).toBe(true);
  });
  test("intrinsic functions reached through a view are wrapped, so `this` is forwarded", () => {
    const { run } = setup({ m: new Map([[1, 2]]) });
    expect(run("v.m.get === Map.prototype.get")).toBe(false);
    expect(run("v.m.get(1)")).toBe(2);
  });
});
