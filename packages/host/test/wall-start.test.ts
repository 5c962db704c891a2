// startWall's argument checks: limits that would be ignored or would crash the
// wall are refused before anything starts.
import { describe, expect, it } from "vitest";
import { startWall } from "../src/index.js";

describe("startWall arguments", () => {
  it.each([
    [{ memoryMb: -1 }],
    [{ cpuMs: Number.NaN }],
    [{ wallMs: Number.POSITIVE_INFINITY }],
    [{ maxOutputBytes: 0 }],
    [{ stackKb: "64" as unknown as number }],
  ])("refuses limits %j with a RangeError", async (limits) => {
    await expect(startWall({ kind: "worker", name: "p", grants: {}, limits })).rejects.toThrow(
      RangeError,
    );
  });

  it("refuses a process stack larger than the OS thread stack", async () => {
    await expect(
      startWall({ kind: "process", name: "p", grants: {}, limits: { stackKb: 64 * 1024 } }),
    ).rejects.toThrow("limits.stackKb must be at most 7168 for a process wall");
  });

  it("refuses an unknown wall kind", async () => {
    await expect(startWall({ kind: "vm" as "worker", name: "p", grants: {} })).rejects.toThrow(
      TypeError,
    );
  });
});
