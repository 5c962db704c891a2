// The untrusted-script runner: worker and process cells with limits.
// Invariant numbers refer to src/script-runner.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host } from "@padded-cell/host";
import { runScript, runScriptRunner, type ScriptRunnerResult } from "../src/script-runner.js";
import { makeRecordingNarrator } from "../src/tour-output.js";

let host: Host;
let result: ScriptRunnerResult;
const outcome = (name: string) => {
  const found = result.outcomes.find((o) => o.name === name);
  if (found === undefined) throw new Error(`no outcome for ${name}`);
  return found;
};

beforeAll(async () => {
  host = await createHost();
  result = await runScriptRunner({ host, narrator: makeRecordingNarrator() });
});

describe("script-runner example", () => {
  it("invariant 1: an infinite loop is stopped by its CPU budget", () => {
    expect(outcome("spin")).toMatchObject({
      status: "stopped",
      fate: { kind: "cpu-exceeded", code: "CELL_CPU_EXCEEDED" },
    });
    expect(outcome("spin").kind).toBe("worker");
  });

  it("invariant 1: a memory bomb is stopped by its heap limit (in a process cell), not its CPU budget", () => {
    expect(outcome("bomb").kind).toBe("process");
    expect(outcome("bomb").fate).toMatchObject({
      kind: "out-of-memory",
      code: "CELL_OUT_OF_MEMORY",
    });
  });

  it("invariant 2: the other scripts complete while those are stopped", () => {
    expect(outcome("average")).toMatchObject({ status: "completed", result: 3.875 });
    expect(outcome("average").output).toBe("averaging 8 numbers\n");
    expect(outcome("word-count")).toMatchObject({ status: "completed", result: 10 });
    expect(result.hostTicks).toBeGreaterThan(0);
  });

  it("invariant 2: the runner serves a new script after the bad ones ended", async () => {
    const later = await runScript(host, {
      name: "later",
      kind: "worker",
      source: "export const main = async (caps) => (await caps.input.numbers()).length;",
    });
    expect(later).toMatchObject({ status: "completed", result: 8, fate: { kind: "revoked" } });
  });

  it("invariant 3: a script sees only caps, console, Buffer, Intl, URL, URLSearchParams and a process with an empty env and no exit; no require", () => {
    expect(outcome("escape").result).toEqual({
      processEnv: [],
      processExit: "undefined",
      require: "undefined",
      fetch: "undefined",
      globals: ["Buffer", "Intl", "URL", "URLSearchParams", "caps", "console", "process"],
    });
  });

  it("a script that throws ends as an error of its own, not a crash of the runner", async () => {
    const thrown = await runScript(host, {
      name: "thrower",
      kind: "process",
      source: "export const main = async () => { throw new Error('bad input'); };",
    });
    expect(thrown.result).toBeUndefined();
    expect(thrown.error?.message).toContain("bad input");
    expect(thrown.status).toBe("failed");
  });
});
