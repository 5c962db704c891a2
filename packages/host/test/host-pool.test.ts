// createHost({ pool }): walled cells take pre-started, locked-down walls.
// Invariant 3 of create-host.ts: a pooled wall serves one cell, so no cell
// ever runs where another plugin ran, and per-cell limits still apply.
import { describe, expect, it } from "vitest";
import { createHost } from "../src/create-host.js";

describe("a host's warm pool behind createCell", () => {
  it.each(["worker", "process"] as const)(
    "invariant 3: %s cells from the pool never share a wall, and their CPU limits apply",
    async (isolation) => {
      // A worker takes no memory limit (it cannot contain one).
      const poolLimits = isolation === "process" ? { memoryMb: 64 } : {};
      const host = await createHost({ pool: { [isolation]: 1, limits: poolLimits } });
      try {
        const limits = { ...poolLimits, cpuMs: 300 };
        const first = await host.createCell({ name: "first", isolation, limits, grants: {} });
        expect(await first.evaluate("globalThis.left = 'secret'; 1")).toBe(1);
        const second = await host.createCell({ name: "second", isolation, limits, grants: {} });
        expect(await second.evaluate("typeof globalThis.left")).toBe("undefined");
        await expect(second.evaluate("for (;;) {}")).rejects.toMatchObject({
          code: "CELL_CPU_EXCEEDED",
        });
        // A cell whose memory limit is not the pool's starts its own wall.
        if (isolation === "worker") return;
        const other = await host.createCell({
          name: "other",
          isolation,
          limits: { memoryMb: 96 },
          grants: {},
        });
        expect(await other.evaluate("typeof globalThis.left")).toBe("undefined");
      } finally {
        await host.close("done");
      }
    },
    60_000,
  );
});
