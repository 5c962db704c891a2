// The walls' CPU clocks (src/wall/cpu-clock.ts): a budget counts CPU time the
// wall ran, never time it was blocked or waiting for a core.
import { describe, expect, it } from "vitest";
import { startWorkerTransport } from "../src/wall/worker/worker-wall.js";

const BLOCKED = new URL("./fixtures/walls/blocked-worker.mjs", import.meta.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("wall CPU clocks", () => {
  // Class closed: a budget that counts time the wall was not running. A
  // thread blocked in Atomics.wait is "busy" for event-loop utilization (the
  // clock used before) yet runs on no core, like a thread waiting for a core
  // on a loaded machine; the thread's own CPU clock tells them apart.
  it.runIf(process.platform === "linux")(
    "invariant 1: a worker blocked for a second has used almost no CPU time",
    async () => {
      let blocking!: () => void;
      const started = new Promise<void>((r) => (blocking = r));
      const transport = startWorkerTransport(
        {},
        {
          onMessage: (msg) => {
            if (msg === "blocking") blocking();
          },
          onGone: () => {},
        },
        BLOCKED,
      );
      try {
        await started;
        const before = await transport.cpuMs();
        await sleep(1000);
        const used = (await transport.cpuMs()) - before;
        expect(used).toBeGreaterThanOrEqual(0);
        expect(used).toBeLessThan(200);
      } finally {
        transport.kill();
      }
    },
  );
});
