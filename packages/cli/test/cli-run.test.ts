// The padded-cell CLI, run for real (node dist/cli.js in a child process)
// against fixture plugins in fresh working directories.
//
// Cells here run at isolation "compartment": createCell does not run worker
// or process cells yet, so --memory/--cpu are checked only to be refused.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { cliExitCodes } from "../src/cli-exit-codes.js";
import { build, cli, fixture, workdir } from "./fixtures/cli/harness.js";

// The CLI starts a process per run: keep a margin for a loaded machine (load 4).
vi.setConfig({ testTimeout: 60_000 });
let dir = "";
let server: Server;
let port = 0;

beforeAll(async () => {
  await build();
  dir = await workdir();
  server = createServer((req, res) => {
    res.end(req.url === "/hello" ? "hi from the server" : "other");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
}, 60_000);
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const readFile = fixture("read-file/index.js");
const readMany = fixture("read-many/index.js");

describe.concurrent("padded-cell run", () => {
  test("a granted read works; the result is JSON on stdout, the console goes to stdout", async () => {
    const r = await cli(["run", readFile, "--allow-read=./data"], dir);
    expect(r.code).toBe(cliExitCodes.OK);
    expect(r.stdout).toBe('read 5 characters\n{"text":"hello"}\n');
  });

  test("an ungranted read is denied with the path and the flag that grants it (exit 3), never a host path", async () => {
    const r = await cli(["run", readFile, "--allow-read=./other.txt"], dir);
    expect(r.code).toBe(cliExitCodes.DENIED);
    expect(r.stderr).toContain('readFile "/data/a.txt"');
    expect(r.stderr).toContain("--allow-read=./data/a.txt");
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toContain(dir);
    expect(r.stderr).not.toContain(fixture(""));
  });

  test("deny wins over allow (fs, invariant 2 of policy-fs-cap)", async () => {
    const r = await cli(["run", readFile, "--allow-read", "--deny-read=./data"], dir);
    expect(r.code).toBe(cliExitCodes.DENIED);
    expect(r.stderr).toContain("--deny-read=./data");
    expect(r.stderr).toContain("deny wins");
  });

  test("attacks on paths: traversal, climbing above /, a link out of the grant (invariant 1 of policy-fs-cap)", async () => {
    const probes = [
      "/data/a.txt",
      "/data/../other.txt",
      "../../../../etc/passwd",
      "/data/link.txt",
      "data/./b.txt",
    ];
    const r = await cli(
      [
        "run",
        fixture("probe/index.js"),
        "--allow-read=./data",
        "--allow-write=./out",
        "--allow-env=PROBE,WRITE",
      ],
      dir,
      { PROBE: probes.join(","), WRITE: "/data/new.txt,/out/../data/new.txt" },
    );
    expect(r.code).toBe(cliExitCodes.OK);
    const report = JSON.parse(r.stdout) as Record<string, string>;
    expect(report["/data/a.txt"]).toBe("text:hello");
    expect(report["data/./b.txt"]).toBe("text:world");
    // Dot segments are resolved before the check: /data/../other.txt is /other.txt.
    expect(report["/data/../other.txt"]).toMatch(
      /^POLICY_FS_DENIED: .*--allow-read=\.\/other\.txt/,
    );
    expect(report["../../../../etc/passwd"]).toMatch(/^FS_OUTSIDE_ROOT/);
    // A write outside the write grant names --allow-write, however it is spelled.
    expect(report["write /data/new.txt"]).toMatch(
      /^POLICY_FS_DENIED: .*--allow-write=\.\/data\/new\.txt/,
    );
    expect(report["write /out/../data/new.txt"]).toMatch(
      /^POLICY_FS_DENIED: .*--allow-write=\.\/data\/new\.txt/,
    );
    // The link is under ./data, but it resolves to ./other.txt: the filter refuses it.
    expect(report["/data/link.txt"]).toMatch(/^FS_FILTERED/);
    expect(r.stdout).not.toContain("OTHER-CONTENT");
    expect(r.stdout).not.toContain(dir);
  });

  test("a CommonJS plugin runs with the node:fs/promises facade", async () => {
    const r = await cli(["run", fixture("cjs-plugin/index.cjs"), "--allow-read=data"], dir);
    expect(r.code).toBe(cliExitCodes.OK);
    expect(JSON.parse(r.stdout)).toEqual({ text: "hello" });
  });

  test("fetch: denied without --allow-net (the flag names host:port), allowed with it", async () => {
    const env = { PORT: String(port) };
    const denied = await cli(["run", fixture("fetcher/index.js"), "--allow-env=PORT"], dir, env);
    expect(denied.code).toBe(cliExitCodes.DENIED);
    expect(denied.stderr).toContain(`--allow-net=127.0.0.1:${port}`);
    const allowed = await cli(
      ["run", fixture("fetcher/index.js"), "--allow-env=PORT", `--allow-net=127.0.0.1:${port}`],
      dir,
      env,
    );
    expect(allowed.stderr).toBe("");
    expect(allowed.code).toBe(cliExitCodes.OK);
    expect(JSON.parse(allowed.stdout)).toEqual({ status: 200, body: "hi from the server" });
  });

  test("deny wins over allow (net)", async () => {
    const r = await cli(
      [
        "run",
        fixture("fetcher/index.js"),
        "--allow-env=PORT",
        `--allow-net=127.0.0.1:${port}`,
        `--deny-net=127.0.0.1:${port}`,
      ],
      dir,
      { PORT: String(port) },
    );
    expect(r.code).toBe(cliExitCodes.DENIED);
    expect(r.stderr).toContain("deny wins");
  });

  test("deny wins over allow (env)", async () => {
    const r = await cli(
      ["run", readMany, "--allow-read", "--allow-write=./out", "--allow-env", "--deny-env=LANG"],
      dir,
    );
    expect(r.code).toBe(cliExitCodes.DENIED);
    expect(r.stderr).toContain("--deny-env");
  });

  test("run: a program is denied unless granted by name, then runs", async () => {
    const denied = await cli(["run", fixture("runner/index.js")], dir);
    expect(denied.code).toBe(cliExitCodes.DENIED);
    expect(denied.stderr).toContain("--allow-run=node");
    const allowed = await cli(["run", fixture("runner/index.js"), "--allow-run=node"], dir);
    expect(allowed.code).toBe(cliExitCodes.OK);
    expect(JSON.parse(allowed.stdout)).toEqual({ exitCode: 0, version: process.version });
  });

  test("a plugin that throws exits 1, with its message and no stack", async () => {
    const r = await cli(["run", fixture("crash/index.js")], dir);
    expect(r.code).toBe(cliExitCodes.CRASHED);
    expect(r.stderr).toContain("about to fail");
    expect(r.stderr).toContain("boom");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // Control characters are escaped: the plugin cannot forge a line of padded-cell's output.
    expect(r.stderr).toContain("boom\\u000apadded-cell: plugin succeeded");
    expect(r.stderr).not.toMatch(/^padded-cell: plugin succeeded/m);
  });

  test("--max-output keeps that much console output per stream, then a marker", async () => {
    const r = await cli(["run", fixture("chatty/index.js"), "--max-output=1kb"], dir);
    expect(r.code).toBe(cliExitCodes.OK);
    expect(r.stdout).toContain("[output truncated after 1024 bytes]");
    expect(r.stdout).not.toContain("011x");
    expect(r.stdout.endsWith('"done"\n')).toBe(true);
  });

  test("a plugin whose promise can never settle exits 1, not with Node's own code", async () => {
    const r = await cli(["run", fixture("hang/index.js")], dir);
    expect(r.code).toBe(cliExitCodes.CRASHED);
    expect(r.stderr).toContain("never finished");
  });

  test("--timeout ends a plugin that never finishes (exit 4)", async () => {
    const r = await cli(["run", fixture("hang/index.js"), "--timeout=200ms"], dir);
    expect(r.code).toBe(cliExitCodes.LIMIT);
    expect(r.stderr).toContain("--timeout=200ms");
  });
});

describe.concurrent("bad usage exits 2 and names the problem", () => {
  const cases: [string, string[], string][] = [
    ["an unknown flag", ["run", readFile, "--allow-everything"], '"--allow-everything"'],
    ["no entry", ["run", "--allow-read"], "needs an entry"],
    ["an entry that is not a file", ["run", "./nope.js"], "is not a file"],
    ["a bad isolation", ["run", readFile, "--isolation=vm"], "--isolation"],
    ["a duration without unit", ["run", readFile, "--timeout=5"], "duration"],
    [
      "a path outside the working directory",
      ["run", readFile, "--allow-read=/etc"],
      "outside the working directory",
    ],
    ["--allow-run without a program", ["run", readFile, "--allow-run"], "needs a program name"],
    [
      "--memory at compartment isolation",
      ["run", readFile, "--isolation=compartment", "--memory=64mb"],
      "--isolation=worker",
    ],
    ["an unknown command", ["frobnicate"], "Unknown command"],
  ];
  for (const [what, args, message] of cases) {
    test(what, async () => {
      const r = await cli(args, dir);
      expect(r.code).toBe(cliExitCodes.USAGE);
      expect(r.stderr).toContain(message);
    });
  }
  test("no arguments prints the help on stderr and exits 2", async () => {
    const r = await cli([], dir);
    expect(r.code).toBe(cliExitCodes.USAGE);
    expect(r.stderr).toContain("Usage:");
  });
});

test("--help documents every flag, with examples, and the exit codes", async () => {
  const r = await cli(["--help"], dir);
  expect(r.code).toBe(cliExitCodes.OK);
  const flags = ["read", "write", "net", "env", "run"].flatMap((k) => [
    `--allow-${k}`,
    `--deny-${k}`,
  ]);
  for (const flag of [
    ...flags,
    "--policy",
    "--audit",
    "--isolation",
    "--memory",
    "--cpu",
    "--timeout",
    "--max-output",
    "policy generate",
    "--name",
  ]) {
    expect(r.stdout, flag).toContain(flag);
  }
  expect(r.stdout).toContain("Examples:");
  for (const [name, code] of Object.entries(cliExitCodes)) {
    expect(r.stdout, name).toMatch(new RegExp(`\\n  ${code}  `));
  }
  const runHelp = await cli(["run", "--help"], dir);
  expect(runHelp.code).toBe(cliExitCodes.OK);
  expect(runHelp.stdout).toBe(r.stdout);
});
