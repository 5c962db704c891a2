// The process wall's second wall: even code that escaped the compartment runs
// under Node's permission model, with no environment, in a temporary directory.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startProcessTransport } from "../src/wall/process/process-wall.js";
import { superviseWall } from "../src/wall/wall-supervisor.js";

const PROBE = fileURLToPath(new URL("./fixtures/walls/process-probe.mjs", import.meta.url));

describe("process wall permissions", () => {
  it("invariants 1 and 2: no host files, no writes, no processes, no workers, no environment", async () => {
    const booted = superviseWall("process", (events) => startProcessTransport({}, events, PROBE));
    await booted.ready;
    const lines: string[] = [];
    booted.activate({ name: "probe", grants: {}, onOutput: (_s, text) => lines.push(text) });
    for (let i = 0; i < 300 && lines.length === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const report = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    expect(report).toEqual({
      readHostFile: "ERR_ACCESS_DENIED",
      readHome: "ERR_ACCESS_DENIED",
      writeCwd: "ERR_ACCESS_DENIED",
      writeTmp: "ERR_ACCESS_DENIED",
      spawn: "ERR_ACCESS_DENIED",
      worker: "ERR_ACCESS_DENIED",
      env: 0,
      cwdIsTemp: true,
    });
    await booted.terminate();
  });
});
