// A subverted wall runtime talks garbage: the host must tear the wall down
// with a stable code and stay alive. The fixtures stand in for a runtime whose
// compartment was breached.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startProcessTransport } from "../src/wall/process/process-wall.js";
import { superviseWall } from "../src/wall/wall-supervisor.js";
import { startWorkerTransport } from "../src/wall/worker/worker-wall.js";

const fixture = (name: string) => new URL(`./fixtures/walls/${name}`, import.meta.url);

const viaWorker = (name: string) =>
  superviseWall("worker", (events) => startWorkerTransport({}, events, fixture(name)));
const viaProcess = (name: string) =>
  superviseWall("process", (events) =>
    startProcessTransport({}, events, fileURLToPath(fixture(name))),
  );

const rejection = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return { name: (err as Error).name, code: (err as { code?: unknown }).code };
  }
  throw new Error("expected a rejection");
};

describe("wall protocol: what comes out of a wall is untrusted", () => {
  it.each([
    ["worker", "worker-bad-kind.mjs", viaWorker],
    ["worker", "worker-bad-captp.mjs", viaWorker],
    ["process", "process-corrupt.mjs", viaProcess],
    ["process", "process-bad-shape.mjs", viaProcess],
  ] as const)(
    "invariant 1: %s runtime %s is torn down with CELL_PROTOCOL_ERROR; pending calls reject",
    async (_kind, name, boot) => {
      const booted = boot(name);
      await booted.ready;
      const wall = booted.activate({ name: "plugin", grants: {} });
      const err = await rejection(wall.evaluate("1"));
      expect(err).toEqual({ name: "CellError", code: "CELL_PROTOCOL_ERROR" });
      const fate = await wall.fate;
      expect(fate).toMatchObject({ kind: "crashed", code: "CELL_PROTOCOL_ERROR" });
      expect(fate.message).toContain("plugin");
    },
  );

  it("invariant 2 (wall-frame): a line without end is cut at the frame limit, not buffered forever", async () => {
    const booted = viaProcess("process-flood-line.mjs");
    await booted.ready;
    const wall = booted.activate({ name: "plugin", grants: {} });
    // The frame limit is the bound on one message (process-wall.ts, invariant 7).
    expect(await rejection(wall.evaluate("1"))).toEqual({
      name: "CellError",
      code: "CELL_MESSAGE_LIMIT",
    });
    expect((await wall.fate).message).toContain("a message of more than 16777216 bytes");
  });

  it("a runtime that exits by itself is reported as CELL_EXITED with its code", async () => {
    const booted = viaWorker("worker-exit.mjs");
    await booted.ready;
    const wall = booted.activate({ name: "plugin", grants: {} });
    expect(await rejection(wall.evaluate("1"))).toEqual({ name: "CellError", code: "CELL_EXITED" });
    expect((await wall.fate).message).toBe("cell 'plugin' exited on its own (code 3)");
  });

  it("a missing entry is CELL_START_FAILED, not a hang", async () => {
    const booted = viaProcess("no-such-entry.mjs");
    await expect(booted.ready).rejects.toMatchObject({ code: "CELL_START_FAILED" });
    expect((await booted.fate).code).toBe("CELL_START_FAILED");
  });
});
