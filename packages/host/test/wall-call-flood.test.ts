// Class: call floods stalling the host (issue 10 §5). A cell that makes
// thousands of unawaited capability calls must not get them all unmarshalled
// on the host's thread at once: at most MAX_CALLS_IN_FLIGHT wait for the
// host; the rest wait inside the wall. These tests assert on the bound itself
// (not on time), at both walls, and that a runtime which ignores the bound is
// torn down.
import { describe, expect, it } from "vitest";
import { createHost } from "../src/create-host.js";
import { MAX_CALLS_IN_FLIGHT } from "../src/wall/wall-codec.js";
import { superviseWall, type WallTransportEvents } from "../src/wall/wall-supervisor.js";

/** A capability that counts how many of its calls are running at once. */
const makeCounter = () => {
  let running = 0;
  let peak = 0;
  let calls = 0;
  const cap = harden({
    ping: async (i: number) => {
      running += 1;
      calls += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 0));
      running -= 1;
      return i;
    },
  });
  return { cap, stats: () => ({ peak, calls }) };
};

describe("call floods (class: a cell's unawaited calls stall the host)", () => {
  it.each(["worker", "process"] as const)(
    "invariant 8: a %s cell's 3,000 unawaited calls reach the host at most MAX_CALLS_IN_FLIGHT at a time, and all are answered",
    async (isolation) => {
      const host = await createHost();
      const counter = makeCounter();
      const honest = makeCounter();
      const flooder = await host.createCell({
        name: "flood",
        isolation,
        grants: { echo: counter.cap },
      });
      const other = await host.createCell({
        name: "honest",
        isolation,
        grants: { echo: honest.cap },
      });
      try {
        const flood = flooder.evaluate(
          "Promise.all(Array.from({ length: 3000 }, (_, i) => caps.echo.ping(i))).then((r) => r.length)",
        );
        // An honest cell on the same host is served while the flood runs.
        expect(await other.evaluate("caps.echo.ping(7)")).toBe(7);
        expect(await flood).toBe(3000);
        expect(counter.stats().calls).toBe(3000);
        expect(counter.stats().peak).toBeLessThanOrEqual(MAX_CALLS_IN_FLIGHT);
        // The bound is reached, so the test would see a wall that ignores it.
        expect(counter.stats().peak).toBeGreaterThan(MAX_CALLS_IN_FLIGHT / 2);
      } finally {
        await host.close("done");
      }
    },
    60_000,
  );

  it("invariant 6 (supervisor): a runtime that sends more calls than the bound is torn down with CELL_PROTOCOL_ERROR", async () => {
    let events: WallTransportEvents | undefined;
    const booted = superviseWall("worker", (e) => {
      events = e;
      return harden({ post: () => {}, kill: () => {}, cpuMs: async () => 0, id: 1 });
    });
    events!.onMessage({ pc: "ready" });
    await booted.ready;
    for (let i = 0; i <= MAX_CALLS_IN_FLIGHT; i += 1) {
      events!.onMessage({
        pc: "captp",
        m: {
          type: "CTP_CALL",
          epoch: 0,
          questionID: `q-${i}`,
          target: "o+0",
          method: { body: "#[]", slots: [] },
        },
      });
    }
    const fate = await booted.fate;
    expect(fate.code).toBe("CELL_PROTOCOL_ERROR");
    expect(fate.message).toContain(`more than ${MAX_CALLS_IN_FLIGHT} calls in flight`);
  });
});
