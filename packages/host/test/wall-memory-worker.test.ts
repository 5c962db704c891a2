// Memory at the worker level (issue 10, class 4). A worker thread shares the
// host's process, and V8 aborts the whole process when any isolate's heap
// cannot grow for one allocation, so a worker cannot contain an allocation
// bomb: the framework refuses a memory limit for it at every entry point
// (worker-wall.ts invariant 1; wall-start.ts invariant 2), and contains
// what it does claim: deep recursion, strings past V8's length limit, and
// huge messages to the host. Bombs run in a host of their own (a child
// process this test watches), so a failure cannot take the runner down.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createHost, makeWallPool, nestedCells, startWall } from "../src/index.js";
import { HEAP_BOMBS } from "./fixtures/walls/memory-bombs.js";
import { LOADED_MACHINE_MS, runBombHost, type BombRun } from "./fixtures/walls/run-bomb-host.js";
import { catchShape } from "./fixtures/walls/fault-suite.js";

const expectHostSurvived = (run: BombRun) => {
  expect(run.signal, run.stderr).toBeNull();
  expect(run.code, run.stderr).toBe(0);
  expect(run.report?.alive).toBe(42);
};

describe(
  "worker wall: a memory limit is refused, never claimed",
  { timeout: LOADED_MACHINE_MS },
  () => {
    it("invariant 2 (wall-start): startWall refuses memoryMb for a worker (CELL_BAD_OPTIONS)", async () => {
      const err = await catchShape(
        startWall({ kind: "worker", name: "w", grants: {}, limits: { memoryMb: 64 } }),
      );
      expect(err).toMatchObject({ name: "CellError", code: "CELL_BAD_OPTIONS" });
      expect(err.message).toContain('needs isolation "process"');
    });

    it("invariant 2 (wall-start): a worker pool with a memory limit is refused", () => {
      expect(() => makeWallPool({ kind: "worker", size: 1, limits: { memoryMb: 64 } })).toThrow(
        expect.objectContaining({ code: "CELL_BAD_OPTIONS" }),
      );
    });

    it("invariant 2 (wall-start): createCell refuses a worker cell with memoryMb, before any grant is made", async () => {
      const host = await createHost();
      let made = 0;
      const grant = () => {
        made += 1;
        return harden({ ping: async () => "pong" });
      };
      await expect(
        host.createCell({
          name: "w",
          isolation: "worker",
          limits: { memoryMb: 64 },
          grants: { g: grant },
        }),
      ).rejects.toMatchObject({ code: "CELL_BAD_OPTIONS" });
      expect(made).toBe(0);
      await host.close();
    });

    it(
      "a sub-cell runs under its parent's limits: a spinning sub-cell of a worker cell is stopped (CELL_CPU_EXCEEDED)",
      async () => {
        const host = await createHost();
        const parent = await host.createCell({
          name: "parent",
          isolation: "worker",
          limits: { cpuMs: 300 },
          grants: { cells: nestedCells({ max: 1 }) },
        });
        const code = await parent.evaluate(
          `caps.cells.create({ name: "s" }).then((s) => s.evaluate("for (;;) {}")).then(() => "ran", (e) => e.code)`,
        );
        expect(code).toBe("CELL_CPU_EXCEEDED");
        await host.close();
      },
      LOADED_MACHINE_MS,
    );

    // Why the refusal: the same bombs that a process wall contains abort a
    // host whose worker has a V8 heap cap. If Node ever contains them, this
    // test fails and the refusal can be lifted.
    it.each(["Map growth", "large arrays (one allocation past the heap)"])(
      "evidence: %s in a raw worker with a 64 MiB heap cap aborts its whole process",
      async (pattern) => {
        const source = HEAP_BOMBS[pattern] ?? "";
        const script = `const { Worker } = require("node:worker_threads");
new Worker(${JSON.stringify(source)}, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 64 } })
  .on("error", () => {});`;
        const signal = await new Promise((resolve) => {
          spawn(process.execPath, ["-e", script], { stdio: "ignore" }).on("exit", (_code, sig) =>
            resolve(sig),
          );
        });
        expect(signal).toBe("SIGABRT");
      },
      LOADED_MACHINE_MS,
    );
  },
);

describe.concurrent(
  "worker wall: what it does contain, with the host in a child process",
  { timeout: LOADED_MACHINE_MS },
  () => {
    it("deep recursion is a RangeError inside the cell; the cell and the host survive", async () => {
      const run = await runBombHost(
        "worker",
        {},
        "const f = (n, a) => f(n + 1, [a, n, n]) + 1; f(0, [])",
      );
      expectHostSurvived(run);
      expect(run.report?.error?.name).toBe("RangeError");
      expect(run.report?.after).toBe(42);
    });

    it("a string doubled past V8's length limit is a RangeError inside the cell", async () => {
      const run = await runBombHost("worker", {}, `let s = "x"; for (;;) s = s + s;`);
      expectHostSurvived(run);
      expect(run.report?.error?.name).toBe("RangeError");
      expect(run.report?.after).toBe(42);
    });

    // Class: a value so large that receiving it would exhaust the host's heap.
    it("invariant 4: a huge result never reaches the host (CELL_MESSAGE_LIMIT)", async () => {
      const run = await runBombHost("worker", { maxOutputBytes: 1 << 26 }, `"x".repeat(1 << 25)`);
      expectHostSurvived(run);
      expect(run.report?.error?.code).toBe("CELL_MESSAGE_LIMIT");
      expect(run.report?.fate).toMatchObject({ kind: "output-limit", code: "CELL_MESSAGE_LIMIT" });
    });

    // The console formats each call to at most 16 KiB (console-format.ts), so
    // a huge line is cut inside the cell and never becomes a huge message.
    it("a huge console line is cut to the console's bound inside the cell; the host survives", async () => {
      const run = await runBombHost(
        "worker",
        { maxOutputBytes: 1 << 26 },
        `console.log("x".repeat(1 << 25)); 1`,
      );
      expectHostSurvived(run);
      expect(run.report?.error).toBeUndefined();
      expect(run.report?.after).toBe(42);
    });
  },
);
