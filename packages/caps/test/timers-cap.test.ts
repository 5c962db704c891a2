import { describe, expect, it } from "vitest";
import { makeResourceScope } from "../src/resource-scope.js";
import { makeTimers } from "../src/timers-cap.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe("makeTimers", () => {
  it("invariant 2: callbacks get no `this` and only the cell's own arguments; handles are opaque", async () => {
    const { cap, host } = makeTimers();
    const seen: unknown[] = [];
    const handle = cap.setTimeout(function (this: unknown, ...args: unknown[]) {
      seen.push(this, args);
    }, 1);
    expect(Object.isFrozen(handle)).toBe(true);
    expect(Reflect.ownKeys(handle)).toEqual([]);
    expect(Object.getPrototypeOf(handle)).toBe(Object.prototype);
    expect(host.pending()).toBe(1);
    await tick(20);
    expect(seen).toEqual([undefined, []]);
    expect(host.pending()).toBe(0);
    const own: unknown[] = [];
    cap.setTimeout((...args: unknown[]) => own.push(...args), 0, "a", 1);
    await tick(10);
    expect(own).toEqual(["a", 1]);
  });

  it("clearTimeout/clearInterval cancel; unknown handles are ignored", async () => {
    const { cap, host } = makeTimers();
    let fired = 0;
    const t = cap.setTimeout(() => (fired += 100), 5);
    cap.clearTimeout(t);
    const i = cap.setInterval(() => {
      fired += 1;
      if (fired >= 3) cap.clearInterval(i);
    }, 1);
    cap.clearTimeout({});
    cap.clearTimeout("nope");
    for (let n = 0; n < 100 && host.pending() > 0; n += 1) await tick(5);
    expect(fired).toBe(3);
    expect(host.pending()).toBe(0);
  });

  it("invariant 1: a timer storm hits TIMERS_LIMIT; slots free up when timers end", async () => {
    const { cap, host } = makeTimers({ maxPending: 50 });
    for (let i = 0; i < 50; i += 1) cap.setTimeout(() => {}, 1);
    expect(codeOf(() => cap.setTimeout(() => {}, 1))).toBe("TIMERS_LIMIT");
    expect(codeOf(() => cap.setInterval(() => {}, 1))).toBe("TIMERS_LIMIT");
    expect(() => cap.setTimeout(() => {}, 1)).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Denied: more than 50 pending timers. Clear unused timers or grant a larger maxPending.]`,
    );
    for (let n = 0; n < 100 && host.pending() > 0; n += 1) await tick(5);
    expect(host.pending()).toBe(0);
    expect(() => cap.setTimeout(() => {}, 1)).not.toThrow();
    host.cancelAll();
  });

  it("invariant 1: a self-rescheduling storm cannot grow past the limit", async () => {
    const { cap, host } = makeTimers({ maxPending: 10 });
    let denied = 0;
    const spawn = () => {
      for (let k = 0; k < 3; k += 1) {
        try {
          cap.setTimeout(spawn, 0);
        } catch {
          denied += 1;
        }
      }
      expect(host.pending()).toBeLessThanOrEqual(10);
    };
    spawn();
    for (let n = 0; n < 20; n += 1) await tick(1);
    expect(denied).toBeGreaterThan(0);
    host.cancelAll();
    expect(host.pending()).toBe(0);
  });

  it("invariant 3: cancelAll and scope close cancel everything; later timers are REVOKED", async () => {
    const scope = makeResourceScope("plugin");
    const { cap, host } = makeTimers({ scope });
    let fired = 0;
    cap.setTimeout(() => (fired += 1), 5);
    cap.setInterval(() => (fired += 1), 5);
    host.cancelAll();
    expect(host.pending()).toBe(0);
    cap.setTimeout(() => (fired += 1), 5);
    cap.setInterval(() => (fired += 1), 5);
    await scope.close("revoked");
    expect(host.pending()).toBe(0);
    expect(codeOf(() => cap.setTimeout(() => (fired += 1), 0))).toBe("REVOKED");
    await tick(30);
    expect(fired).toBe(0);
  });

  it("invariant 4: strings are never evaluated", () => {
    const { cap } = makeTimers();
    expect(codeOf(() => cap.setTimeout("globalThis.pwned = 1" as unknown as () => void, 0))).toBe(
      "TIMERS_INVALID_CALLBACK",
    );
  });

  it("invariant 5: throwing and rejecting callbacks go to onError, not the host", async () => {
    const errors: unknown[] = [];
    const { cap } = makeTimers({ onError: (e) => errors.push(e) });
    cap.setTimeout(() => {
      throw new Error("sync");
    }, 0);
    cap.setTimeout(async () => {
      throw new Error("async");
    }, 0);
    await tick(20);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(["async", "sync"]);
  });

  it("works as the timers of a compartment", async () => {
    const { cap } = makeTimers();
    const c = new Compartment({ globals: { setTimeout: cap.setTimeout }, __options__: true });
    const p = c.evaluate(
      "new Promise((resolve) => setTimeout(function () { resolve(typeof this); }, 1))",
    ) as Promise<string>;
    expect(await p).toBe("undefined");
  });
});
