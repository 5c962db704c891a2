import { describe, expect, it } from "vitest";
import { byteQuota, callQuota, measureBytes } from "../src/attenuate/attenuate-quota.js";

const codeOf = async (f: () => unknown) => {
  try {
    await f();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

const echoCap = () => {
  let calls = 0;
  return {
    cap: harden({
      echo: (x: unknown) => {
        calls += 1;
        return x;
      },
      later: async (x: unknown) => {
        calls += 1;
        return x;
      },
      other: () => {
        calls += 1;
        return 1;
      },
    }),
    calls: () => calls,
  };
};

describe("callQuota", () => {
  it("invariant 1: refuses calls past the total, before the target runs", async () => {
    const t = echoCap();
    const q = callQuota(t.cap, 2, { name: "api" });
    q.echo(1);
    q.other();
    expect(() => q.echo(1)).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Denied: api.echo: the call quota of 2 calls is used up.]`,
    );
    expect(await codeOf(() => q.later(1))).toBe("QUOTA_EXCEEDED");
    expect(t.calls()).toBe(2);
  });

  it("invariant 1: per-method limits leave other methods unlimited", () => {
    const t = echoCap();
    const q = callQuota(t.cap, { echo: 1 }, { name: "api" });
    q.echo(1);
    expect(() => q.echo(1)).toThrow(/call quota of 1 calls for echo/);
    for (let i = 0; i < 100; i += 1) q.other();
    expect(t.calls()).toBe(101);
  });

  it("a failing call still counts", () => {
    let n = 0;
    const q = callQuota(
      harden({
        boom: () => {
          n += 1;
          throw new Error("x");
        },
      }),
      1,
    );
    expect(() => q.boom()).toThrow("x");
    expect(() => q.boom()).toThrow(expect.objectContaining({ code: "QUOTA_EXCEEDED" }));
    expect(n).toBe(1);
  });

  it("rejects invalid limits", () => {
    for (const bad of [-1, Number.NaN, "3", null]) {
      expect(() => callQuota(echoCap().cap, bad as number)).toThrow(
        expect.objectContaining({ code: "ATTENUATE_INVALID_OPTION" }),
      );
    }
  });
});

describe("byteQuota", () => {
  it("invariant 2: counts argument and result bytes; refuses arguments that would pass the limit", async () => {
    const t = echoCap();
    const q = byteQuota(t.cap, 20, { name: "fs" });
    expect(q.echo("héllo")).toBe("héllo"); // 6 in + 6 out
    expect(await q.later(new Uint8Array(3))).toEqual(new Uint8Array(3)); // 3 + 3 = 18
    expect(() => q.echo("abc")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Denied: fs.echo: the byte quota of 20 bytes is used up (18 used, 3 more requested).]`,
    );
    expect(q.echo("a")).toBe("a"); // 20: one result may reach the limit
    expect(await codeOf(() => q.other())).toBe("QUOTA_EXCEEDED");
    expect(t.calls()).toBe(3);
  });

  it("invariant 2: a single result may overshoot; every later call is refused", () => {
    const big = harden({ get: () => new Uint8Array(1000), ping: () => undefined });
    const q = byteQuota(big, 10);
    expect(q.get().length).toBe(1000);
    expect(() => q.ping()).toThrow(expect.objectContaining({ code: "QUOTA_EXCEEDED" }));
  });

  it("a throwing or nonsensical measure fails closed, without leaking its error", () => {
    const throwing = byteQuota(echoCap().cap, 1e9, {
      measure: () => {
        throw new Error("/host/secret");
      },
    });
    expect(() => throwing.echo("x")).toThrow(expect.objectContaining({ code: "QUOTA_EXCEEDED" }));
    const nan = byteQuota(echoCap().cap, 1e9, { measure: () => Number.NaN });
    expect(() => nan.echo("x")).toThrow(expect.objectContaining({ code: "QUOTA_EXCEEDED" }));
  });

  it("uses a host-supplied measure", () => {
    const q = byteQuota(echoCap().cap, 2, { measure: () => 1 });
    q.echo({});
    expect(() => q.echo({})).toThrow(expect.objectContaining({ code: "QUOTA_EXCEEDED" }));
  });
});

describe("measureBytes", () => {
  it("invariant 3: measures strings, byte containers and one level of records, running no guest code", () => {
    let ran = false;
    const hostile = {
      get data() {
        ran = true;
        return "x".repeat(100);
      },
      bytes: new Uint8Array(5),
      text: "ab",
    };
    expect(measureBytes("€")).toBe(3);
    expect(measureBytes(new Uint16Array(4))).toBe(8);
    expect(measureBytes(new ArrayBuffer(7))).toBe(7);
    expect(measureBytes(new DataView(new ArrayBuffer(9)))).toBe(9);
    expect(measureBytes(hostile)).toBe(7);
    expect(measureBytes(["ab", new Uint8Array(2), { deep: "ignored" }])).toBe(4);
    expect(measureBytes(new Proxy(new Uint8Array(9), {}))).toBe(0);
    expect(measureBytes(42)).toBe(0);
    const liar = new Uint8Array(10);
    Object.defineProperty(liar, "byteLength", { value: 0 });
    expect(measureBytes(liar)).toBe(10);
    expect(ran).toBe(false);
  });
});
