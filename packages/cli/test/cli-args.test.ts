// Parsing the command line (in-process; the CLI itself is run in cli-run.test.ts).
import { describe, expect, test } from "vitest";
import { parseCliArgs } from "../src/cli-args.js";
import { cliExitCodes, exitCodeFor } from "../src/cli-exit-codes.js";
import { parseDuration, parseSize } from "@padded-cell/host";

describe("parseCliArgs", () => {
  test("a bare grant flag never swallows the entry that follows it (invariant of cli-args)", () => {
    expect(parseCliArgs(["run", "--allow-read", "plugin.js"])).toMatchObject({
      command: "run",
      entry: "plugin.js",
      allow: { read: { all: true } },
    });
  });

  test("values split on commas and accumulate; a bare flag means all", () => {
    const args = parseCliArgs([
      "run",
      "p.js",
      "--allow-read=a,b",
      "--allow-read=c",
      "--deny-net=x:1",
      "--allow-env",
      "--policy",
      "pol.json",
      "--timeout=5s",
      "--audit",
    ]);
    expect(args).toEqual({
      command: "run",
      entry: "p.js",
      allow: { read: { all: false, values: ["a", "b", "c"] }, env: { all: true } },
      deny: { net: { all: false, values: ["x:1"] } },
      policy: "pol.json",
      timeout: "5s",
      audit: true,
    });
  });

  test("policy generate and check", () => {
    expect(parseCliArgs(["policy", "generate", "--audit=a.jsonl", "--name", "md"])).toEqual({
      command: "policy-generate",
      audit: "a.jsonl",
      name: "md",
    });
    expect(parseCliArgs(["policy", "check", "p.json"])).toEqual({
      command: "policy-check",
      file: "p.json",
    });
  });

  test.each([
    [["run", "p.js", "--allow-sockets"], "Unknown flag"],
    [["run", "p.js", "-x"], "Unknown flag"],
    [["run", "p.js", "q.js"], "One entry module only"],
    [["run", "p.js", "--allow-read="], 'needs a value after "="'],
    [["run", "p.js", "--policy"], "--policy needs a value"],
    [["run", "p.js", "--timeout=1s", "--timeout=2s"], "given twice"],
    [["policy", "generate"], "needs --audit"],
    [["policy", "frob"], "Unknown policy command"],
  ])("%j is bad usage", (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});

describe("sizes and durations", () => {
  test("parse exactly the documented grammar, nothing that could become unlimited", () => {
    expect(parseSize("64mb")).toBe(64 * 1024 * 1024);
    expect(parseSize("1.5KB")).toBe(1536);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("2s")).toBe(2000);
    expect(parseDuration("1m")).toBe(60_000);
    for (const bad of [
      "",
      "64",
      "-1mb",
      "1e9mb",
      "0mb",
      " 1mb",
      "1 mb",
      "Infinitymb",
      "9999999gb",
    ]) {
      expect(() => parseSize(bad), bad).toThrow(/not a size/);
    }
    for (const bad of ["5", "0s", "1h", "1e3ms", "99999999m"]) {
      expect(() => parseDuration(bad), bad).toThrow(/not a duration/);
    }
  });
});

describe("exit codes", () => {
  test("every error code maps to one documented exit code; unknown is a crash, never 0", () => {
    const expected: [string | undefined, number][] = [
      ["POLICY_FS_DENIED", cliExitCodes.DENIED],
      ["NET_DENIED", cliExitCodes.DENIED],
      ["HTTP_DENIED", cliExitCodes.DENIED],
      ["ENV_DENIED", cliExitCodes.DENIED],
      ["MODULE_DENIED", cliExitCodes.DENIED],
      ["FS_OUTSIDE_ROOT", cliExitCodes.DENIED],
      ["FS_FILTERED", cliExitCodes.DENIED],
      ["FS_DENIED_READ_ONLY", cliExitCodes.DENIED],
      ["CELL_OUT_OF_MEMORY", cliExitCodes.LIMIT],
      ["CELL_CPU_EXCEEDED", cliExitCodes.LIMIT],
      ["CELL_TIMEOUT", cliExitCodes.LIMIT],
      ["CELL_OUTPUT_LIMIT", cliExitCodes.LIMIT],
      ["QUOTA_EXCEEDED", cliExitCodes.LIMIT],
      ["CLI_USAGE", cliExitCodes.USAGE],
      ["POLICY_INVALID", cliExitCodes.USAGE],
      ["MANIFEST_INVALID", cliExitCodes.USAGE],
      ["CELL_CRASHED", cliExitCodes.CRASHED],
      ["CELL_EXITED", cliExitCodes.CRASHED],
      ["CELL_KILLED", cliExitCodes.CRASHED],
      ["REVOKED", cliExitCodes.CRASHED],
      ["SOMETHING_NEW", cliExitCodes.CRASHED],
      [undefined, cliExitCodes.CRASHED],
    ];
    for (const [code, exit] of expected) expect(exitCodeFor(code), String(code)).toBe(exit);
    expect(new Set(Object.values(cliExitCodes)).size).toBe(Object.keys(cliExitCodes).length);
  });
});
