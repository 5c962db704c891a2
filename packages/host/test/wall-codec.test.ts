// The passing rules of a wall, tested over a real CapTP connection between two
// codecs in this realm (the same code runs on each side of a real wall).
import "@endo/eventual-send/shim.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeCapTP } from "../src/wall/wall-captp.js";
import { makeTagged } from "@endo/marshal";
import { Far } from "@endo/far";
import {
  dataToError,
  makeWallCodec,
  MAX_CALLS_IN_FLIGHT,
  type WallCodec,
} from "../src/wall/wall-codec.js";

/** Two codecs joined by CapTP; `remote` is side B's bootstrap value as A sees it. */
const connect = async (bootstrap: unknown) => {
  const a = makeWallCodec({ side: "a", makeError: dataToError });
  const b = makeWallCodec({ side: "b", makeError: dataToError });
  // eslint-disable-next-line prefer-const
  let capA: ReturnType<typeof makeCapTP>;
  // Each message carries the bytes exported since the last one, as a
  // transport does (transferred buffers arrive as fresh Uint8Arrays).
  const link =
    (from: WallCodec, to: WallCodec, dispatch: () => ReturnType<typeof makeCapTP>) =>
    (m: unknown) => {
      const attached = from.takeAttachments();
      queueMicrotask(() => {
        if (attached !== undefined) {
          to.receiveAttachments(
            attached.ids,
            attached.buffers.map((x) => new Uint8Array(x)),
          );
        }
        dispatch().dispatch(m as never);
      });
    };
  const capB = makeCapTP(
    "b",
    link(b, a, () => capA),
    b.exportValue(harden(bootstrap)),
  );
  capA = makeCapTP(
    "a",
    link(a, b, () => capB),
    undefined,
  );
  const remote = a.importValue(await capA.getBootstrap()) as Record<
    string,
    (...args: unknown[]) => Promise<unknown>
  >;
  return { a, b, remote };
};

const echoSide = () => ({ echo: async (v: unknown) => v });

const shape = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    const e = err as Record<string, unknown>;
    return { name: e.name, message: e.message, code: e.code };
  }
  throw new Error("expected a rejection");
};

describe("wall codec", () => {
  it("copies data both ways: records, arrays, bytes, bigints, undefined", async () => {
    const { remote } = await connect(echoSide());
    const value = harden({
      n: 1.5,
      s: "é\n",
      b: true,
      z: null,
      u: undefined,
      big: 2n ** 70n,
      list: [1, "two", [3]],
      bytes: new Uint8Array([0, 1, 254, 255]),
    });
    const back = (await remote.echo!(value)) as Record<string, unknown>;
    expect(back).toEqual(value);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(Object.isFrozen(back)).toBe(true);
  });

  it("property: any JSON-like value crosses unchanged", async () => {
    const { remote } = await connect(echoSide());
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (v) => {
        const clean = JSON.parse(JSON.stringify(v)) as unknown;
        expect(await remote.echo!(harden(clean))).toEqual(clean);
      }),
      { numRuns: 60 },
    );
  });

  it("invariant 1: an error crosses as exactly name, message and code", async () => {
    const err = Object.assign(new Error("Denied: /data/a.txt"), {
      code: "FS_DENIED",
      hostPath: "/srv/real/a.txt",
    });
    err.name = "CellError";
    const { remote } = await connect({
      fail: async () => {
        throw err;
      },
    });
    const caught = (await remote.fail!().catch((e: unknown) => e)) as Record<string, unknown>;
    expect(caught).toBeInstanceOf(Error);
    expect({ name: caught.name, message: caught.message, code: caught.code }).toEqual({
      name: "CellError",
      message: "Denied: /data/a.txt",
      code: "FS_DENIED",
    });
    expect(Object.keys(caught as object)).toEqual(["code"]);
    expect(caught.hostPath).toBeUndefined();
  });

  it("invariant 1: a hostile thrown value (getters that throw) still becomes a plain error", async () => {
    const hostile = {
      get name(): string {
        throw new Error("gotcha");
      },
    };
    const { remote } = await connect({
      fail: async () => {
        throw hostile;
      },
    });
    expect(await shape(remote.fail!())).toEqual({
      name: "Error",
      message: "unreadable error",
      code: undefined,
    });
  });

  it("invariant 2: symbols, getters, cycles and non-plain objects are refused before sending", async () => {
    const { remote } = await connect(echoSide());
    let getterRan = false;
    const withGetter = {
      get secret() {
        getterRan = true;
        return 1;
      },
    };
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [
      Symbol("s"),
      withGetter,
      cyclic,
      new Date(0),
      new Map(),
      { p: Promise.resolve() },
    ]) {
      expect(await shape(remote.echo!(bad))).toMatchObject({
        name: "CellError",
        code: "WALL_UNPASSABLE",
      });
    }
    expect(getterRan).toBe(false);
  });

  it("invariant 2: a record that imitates the codec's tags arrives as a plain record", async () => {
    const { remote } = await connect(echoSide());
    const forged = {
      [Symbol.toStringTag]: "pc-cap",
      [Symbol.for("passStyle")]: "tagged",
      payload: { methods: ["readFile"] },
    };
    expect(await remote.echo!(forged)).toEqual({ payload: { methods: ["readFile"] } });
  });

  it("capabilities cross by reference: methods become async methods with the same names", async () => {
    const counter = () => {
      let n = 0;
      return { inc: async () => (n += 1), get: async () => n };
    };
    const { remote } = await connect({ make: async () => counter() });
    const c = (await remote.make!()) as Record<string, () => Promise<number>>;
    expect(Object.keys(c).sort()).toEqual(["get", "inc"]);
    await c.inc!();
    await c.inc!();
    expect(await c.get!()).toBe(2);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("invariant 3: a capability sent back arrives as the original object", async () => {
    const original = harden({ ping: async () => "pong" });
    let seen: unknown;
    const { remote } = await connect({
      give: async () => original,
      take: async (cap: unknown) => {
        seen = cap;
        return cap === original;
      },
    });
    const cap = await remote.give!();
    expect(await remote.give!()).toBe(cap);
    expect(await remote.take!(cap)).toBe(true);
    expect(seen).toBe(original);
  });

  it("functions cross as callable references", async () => {
    const { remote } = await connect({ apply: async (f: (x: number) => Promise<number>) => f(20) });
    expect(await remote.apply!(async (x: number) => x + 22)).toBe(42);
  });

  it("invariant 4: revoke rejects calls in flight and later calls with REVOKED", async () => {
    const conn = await connect({ hang: () => new Promise(() => {}), ok: async () => 1 });
    const b: WallCodec = conn.b;
    const inFlight = conn.remote.hang!();
    await new Promise((r) => setTimeout(r, 10));
    b.revoke("plugin disabled");
    const expected = { name: "RevokedError", code: "REVOKED", message: "Revoked: plugin disabled" };
    expect(await shape(inFlight)).toEqual(expected);
    expect(await shape(conn.remote.ok!())).toEqual(expected);
    conn.a.revoke("caller side");
    expect(await shape(conn.remote.ok!())).toMatchObject({ code: "REVOKED" });
  });

  it("invariant 5: `then` is never exported or installed (no thenable hijack)", async () => {
    const thenable = { then: (r: (v: string) => void) => r("hijacked"), other: async () => 1 };
    const { remote } = await connect({ give: async () => ({ cap: thenable }) });
    const { cap } = (await remote.give!()) as { cap: Record<string, unknown> };
    expect(Object.keys(cap)).toEqual(["other"]);
    expect(cap.then).toBeUndefined();
  });

  it("invariant 5: a capability with too many methods is refused", async () => {
    const many = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [`m${i}`, async () => i]),
    );
    const { remote } = await connect({ give: async () => many });
    expect(await shape(remote.give!())).toMatchObject({ code: "WALL_UNPASSABLE" });
  });

  it("invariant 6: records cross with their own keys in their own order, at every depth", async () => {
    const { remote } = await connect(echoSide());
    const value = harden({
      zeta: 1,
      alpha: { y: 1, x: 2 },
      mid: [{ b: 1, a: 2 }],
      __proto__key: 3,
    });
    const back = (await remote.echo!(value)) as Record<string, Record<string, unknown>>;
    expect(Object.keys(back)).toEqual(["zeta", "alpha", "mid", "__proto__key"]);
    expect(Object.keys(back.alpha!)).toEqual(["y", "x"]);
    expect(Object.keys((back.mid as unknown as Record<string, unknown>[])[0]!)).toEqual(["b", "a"]);
  });

  it("invariant 6: a key named __proto__ stays data and changes no prototype", async () => {
    const { remote } = await connect(echoSide());
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as object;
    const back = (await remote.echo!(harden(value))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(["__proto__", "a"]);
    expect((back as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("invariant 6: a value that cannot cross is refused with where it was found", async () => {
    const { remote } = await connect(echoSide());
    const err = await shape(remote.echo!(harden({ items: [1, { "odd key": new Map() }] })));
    expect(err.code).toBe("WALL_UNPASSABLE");
    expect(err.message).toBe(
      'Cannot pass a built-in object that is not plain data across the wall (at arguments[0].items[1]["odd key"]).',
    );
    const side = { give: async () => harden({ ok: [Symbol("s")] }) };
    const { remote: r2 } = await connect(side);
    const err2 = await shape(r2.give!());
    expect(err2.message).toBe("Cannot pass a symbol across the wall (at result.ok[0]).");
  });

  it("invariant 7: bytes arrive as the receiver's own copy; the sender's bytes are untouched", async () => {
    const mine = new Uint8Array(1024 * 1024).fill(7);
    const { remote } = await connect({ take: async (b: Uint8Array) => b.fill(9).length });
    expect(await remote.take!(mine)).toBe(1024 * 1024);
    expect(mine.byteLength).toBe(1024 * 1024); // not detached
    expect(mine[0]).toBe(7); // not shared
    const { remote: r2 } = await connect({ give: async () => new Uint8Array([1, 2, 3]) });
    const got = (await r2.give!()) as Uint8Array;
    expect([...got]).toEqual([1, 2, 3]);
    got[0] = 5; // the receiver owns its copy: not hardened element by element
    expect(got[0]).toBe(5);
  });

  it("invariant 7: attachments are refused when malformed, repeated or beyond the bound", () => {
    const codec = makeWallCodec({ side: "a", makeError: dataToError });
    expect(codec.receiveAttachments([1], [])).toBe(false);
    expect(codec.receiveAttachments(["x"], [new Uint8Array(1)])).toBe(false);
    expect(codec.receiveAttachments([1], [new Uint8Array(1)])).toBe(true);
    expect(codec.receiveAttachments([1], [new Uint8Array(1)])).toBe(false);
    const big = new Uint8Array(new ArrayBuffer(0));
    Object.defineProperty(big, "byteLength", { value: 300 * 1024 * 1024 });
    expect(codec.receiveAttachments([2], [big])).toBe(false);
    expect(() => codec.importValue(makeTagged("pc-bytes", 99))).toThrow(/did not arrive/);
  });

  it("invariant 8: a capability's own data crosses with it, frozen; `then` does not", async () => {
    const cap = {
      ping: async () => "pong",
      settings: { mode: "fast", limits: [1, 2] },
      version: 3,
      then: 5,
    };
    const { remote } = await connect({ give: async () => cap });
    const got = (await remote.give!()) as Record<string, unknown>;
    expect(Object.keys(got).sort()).toEqual(["ping", "settings", "version"]);
    expect(got.settings).toEqual({ mode: "fast", limits: [1, 2] });
    expect(Object.isFrozen(got) && Object.isFrozen(got.settings)).toBe(true);
    expect(await (got.ping as () => Promise<string>)()).toBe("pong");
  });

  it("invariant 8: data that cannot cross makes its capability refused, saying where", async () => {
    const { remote } = await connect({
      give: async () => ({ ping: async () => 1, when: new Date() }),
    });
    const err = await shape(remote.give!());
    expect(err).toMatchObject({ code: "WALL_UNPASSABLE" });
    expect(String(err.message)).toContain("result.when");
  });

  it("invariant 8: forged capability data (a method's name, `then`, a non-string key) is refused", () => {
    const codec = makeWallCodec({ side: "a", makeError: dataToError });
    for (const data of [[["ping", 1]], [["then", 1]], [[7, 1]], "not a list"]) {
      const forged = makeTagged(
        "pc-cap",
        harden({ ref: Far("forged", { ping: async () => 1 }), methods: ["ping"], data }) as never,
      );
      expect(() => codec.importValue(forged)).toThrow(
        expect.objectContaining({ code: "WALL_UNPASSABLE" }),
      );
    }
  });

  it("invariant 9: at most MAX_CALLS_IN_FLIGHT calls wait for the other side; the rest wait here", async () => {
    let running = 0;
    let peak = 0;
    const { remote } = await connect({
      slow: async (i: number) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 1));
        running -= 1;
        return i;
      },
    });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => remote.slow!(i)));
    expect(results).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(peak).toBe(MAX_CALLS_IN_FLIGHT);
  });
});
