// Memory bombs in a process cell: no allocation pattern can abort or crash
// the host (issue 10, class 4). Each bomb runs in a host of its own (a child
// process this test watches), so a bomb that did abort its host would show
// here as a signal, not take the test runner down. Times to stop are
// printed at the end.
import { afterAll, describe, expect, it } from "vitest";
import { HEAP_BOMBS, OFF_HEAP_BOMBS } from "./fixtures/walls/memory-bombs.js";
import { LOADED_MACHINE_MS, runBombHost, type BombRun } from "./fixtures/walls/run-bomb-host.js";
import { createHost, nestedCells } from "../src/index.js";
import { RUNTIME_DATA_MB } from "../src/wall/process/process-wall.js";

const MEMORY_MB = 64;
const times: string[] = [];
afterAll(() => {
  console.info(`process wall, memoryMb ${MEMORY_MB}: time to stop each bomb\n${times.join("\n")}`);
});

/** The host survived: it exited normally after reporting, and could start another cell. */
const expectHostSurvived = (run: BombRun) => {
  expect(run.signal, run.stderr).toBeNull();
  expect(run.code, run.stderr).toBe(0);
  expect(run.report?.alive).toBe(42);
};

describe.concurrent(
  "process wall: memory bombs end the cell, never the host",
  { timeout: LOADED_MACHINE_MS },
  () => {
    for (const [pattern, source] of Object.entries(HEAP_BOMBS)) {
      it(`invariant 6 (heap): ${pattern} ends the cell as CELL_OUT_OF_MEMORY`, async () => {
        const run = await runBombHost("process", { memoryMb: MEMORY_MB }, source);
        expectHostSurvived(run);
        expect(run.report?.error?.code).toBe("CELL_OUT_OF_MEMORY");
        expect(run.report?.fate).toMatchObject({
          kind: "out-of-memory",
          code: "CELL_OUT_OF_MEMORY",
        });
        times.push(`  ${pattern}: ${run.report?.ms} ms`);
      });
    }

    // Class: memory outside the V8 heap, which --max-old-space-size does not
    // see. The kernel's RLIMIT_DATA bounds it; past it the allocation fails
    // inside the cell, which survives.
    for (const [pattern, source] of Object.entries(OFF_HEAP_BOMBS)) {
      it(`invariant 6 (off the heap): ${pattern} are refused past the process's memory bound`, async () => {
        const run = await runBombHost("process", { memoryMb: MEMORY_MB }, source);
        expectHostSurvived(run);
        const got = run.report?.value as { n: number; error: string };
        expect(got.error).toBe("RangeError");
        expect(got.n).toBeLessThan(2 * MEMORY_MB + RUNTIME_DATA_MB);
        expect(run.report?.fate).toBeNull();
        expect(run.report?.after).toBe(42);
        times.push(`  ${pattern}: refused after ${got.n} MiB, in ${run.report?.ms} ms`);
      });
    }

    it("deep recursion is a RangeError inside the cell; the cell and the host survive", async () => {
      const source = "const f = (n, a) => f(n + 1, [a, n, n]) + 1; f(0, [])";
      const run = await runBombHost("process", { memoryMb: MEMORY_MB }, source);
      expectHostSurvived(run);
      expect(run.report?.error?.name).toBe("RangeError");
      expect(run.report?.after).toBe(42);
      times.push(`  deep recursion: RangeError in ${run.report?.ms} ms`);
    });

    // Class: a value so large that receiving it would exhaust the host's heap.
    it("invariant 7: a huge result never reaches the host (CELL_MESSAGE_LIMIT)", async () => {
      const run = await runBombHost(
        "process",
        { memoryMb: 512, maxOutputBytes: 1 << 26 },
        `"x".repeat(1 << 25)`,
      );
      expectHostSurvived(run);
      expect(run.report?.error?.code).toBe("CELL_MESSAGE_LIMIT");
      expect(run.report?.fate).toMatchObject({ kind: "output-limit", code: "CELL_MESSAGE_LIMIT" });
      times.push(`  a huge result: ${run.report?.ms} ms`);
    });

    // The console formats each call to at most 16 KiB (console-format.ts), so
    // a huge line is cut inside the cell and never becomes a huge message.
    it("a huge console line is cut to the console's bound inside the cell; the host survives", async () => {
      const run = await runBombHost(
        "process",
        { memoryMb: 512, maxOutputBytes: 1 << 26 },
        `console.log("x".repeat(1 << 25)); 1`,
      );
      expectHostSurvived(run);
      expect(run.report?.error).toBeUndefined();
      expect(run.report?.after).toBe(42);
    });

    // Class: a limited cell escaping its limits by doing the work in a
    // sub-cell. (The bomb is in a grandchild process; this host only watches.)
    it(
      "a sub-cell runs under its parent's memory limit (CELL_OUT_OF_MEMORY)",
      async () => {
        const host = await createHost();
        const parent = await host.createCell({
          name: "parent",
          isolation: "process",
          limits: { memoryMb: MEMORY_MB },
          grants: { cells: nestedCells({ max: 1 }) },
        });
        const bomb = JSON.stringify(HEAP_BOMBS["Map growth"] ?? "");
        const code = await parent.evaluate(
          `caps.cells.create({ name: "s" }).then((s) => s.evaluate(${bomb})).then(() => "ran", (e) => e.code)`,
        );
        expect(code).toBe("CELL_OUT_OF_MEMORY");
        await host.close();
      },
      LOADED_MACHINE_MS,
    );
  },
);
