// What a new user meets first (issue 13): limits that hold or are refused,
// denials that name a fix this command offers, did-you-mean, --allow-all,
// single-file plugins. The CLI runs for real (node dist/cli.js).
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { rm } from "node:fs/promises";
import { cliExitCodes } from "../src/cli-exit-codes.js";
import { build, cli, fixture, workdir } from "./fixtures/cli/harness.js";

// Walls start a process or a worker: keep a margin for a loaded machine (load 4).
vi.setConfig({ testTimeout: 60_000 });
let dir = "";
beforeAll(async () => {
  await build();
  dir = await workdir();
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.concurrent(
  "limits are enforced or refused, never ignored (invariant 2 of cli-run)",
  () => {
    test("--timeout alone stops a busy loop: the run goes to a process wall", async () => {
      const r = await cli(["run", fixture("spin/index.js"), "--timeout=1s"], dir);
      expect(r.code).toBe(cliExitCodes.LIMIT);
      expect(r.stderr).toContain("--timeout=1s");
    });

    for (const limit of ["--timeout=1s", "--memory=64mb", "--cpu=1s"]) {
      test(`--isolation=compartment with ${limit} is refused, naming the limit and the fix`, async () => {
        const r = await cli(
          ["run", fixture("spin/index.js"), "--isolation=compartment", limit],
          dir,
        );
        expect(r.code).toBe(cliExitCodes.USAGE);
        expect(r.stderr).toContain(
          `${limit.split("=")[0]} cannot be enforced at --isolation=compartment`,
        );
        expect(r.stderr).toContain("--isolation=process");
      });
    }
  },
);

describe.concurrent("denials name the fix in this command's terms (cli-hints)", () => {
  test("MODULE_DENIED names --allow-import=<package>, not the host API's allow list (invariant 2)", async () => {
    const r = await cli(["run", fixture("imports-denied/index.js")], dir);
    expect(r.code).toBe(cliExitCodes.DENIED);
    expect(r.stderr).toContain('import of "yaml"');
    expect(r.stderr).toContain("--allow-import=yaml");
    expect(r.stderr).not.toContain("allow list");
  });

  test("a flag that was given is never advised again: the manifest is named as the reason (invariant 1)", async () => {
    const r = await cli(["run", fixture("manifest-narrow/index.js"), "--allow-read"], dir);
    expect(r.code).toBe(cliExitCodes.DENIED);
    expect(r.stderr).not.toContain("Run again with");
    expect(r.stderr).toContain("the plugin does not want it");
    expect(r.stderr).toContain('"wants"');
  });

  test("what a manifest wants but the flags do not grant is not blamed on a policy nobody gave", async () => {
    const r = await cli(
      ["run", fixture("manifest-wants/index.js"), "--allow-read=./data", "--allow-env=LANG"],
      dir,
    );
    expect(r.code).toBe(cliExitCodes.OK);
    expect(r.stderr).toContain("which the flags do not grant");
    expect(r.stderr).not.toContain("policy");
  });

  test("--allow-net=host (no port) lets fetch reach it on the default ports (host-only, Deno-style)", async () => {
    const env = { URL: "http://localhost:1/" };
    const hostOnly = await cli(
      ["run", fixture("fetch-url/index.js"), "--allow-net=localhost", "--allow-env=URL"],
      dir,
      { URL: "http://localhost/" },
    );
    expect(hostOnly.stdout).not.toContain("HTTP_DENIED");
    // A port other than 80 and 443 still needs host:port for fetch.
    const otherPort = await cli(
      ["run", fixture("fetch-url/index.js"), "--allow-net=localhost", "--allow-env=URL"],
      dir,
      env,
    );
    expect(otherPort.stdout).toBe('"HTTP_DENIED"\n');
  });
});

describe.concurrent("flags a Deno user expects", () => {
  test("an unknown flag says which known flag was meant", async () => {
    const r = await cli(["run", "p.js", "--alow-read=./data"], dir);
    expect(r.code).toBe(cliExitCodes.USAGE);
    expect(r.stderr).toContain("Did you mean --allow-read?");
    const far = await cli(["run", "p.js", "--frobnicate"], dir);
    expect(far.stderr).not.toContain("Did you mean");
  });

  test("--allow-all grants reads, with a warning on stderr", async () => {
    const r = await cli(["run", fixture("read-file/index.js"), "--allow-all"], dir);
    expect(r.code).toBe(cliExitCodes.OK);
    expect(r.stdout).toContain('{"text":"hello"}');
    expect(r.stderr).toContain("--allow-all");
    expect(r.stderr).toContain("only for code you trust");
  });

  test("a single-file plugin runs without a package.json beside it", async () => {
    const r = await cli(["run", fixture("single-file/plugin.js")], dir);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe('{"single":true}\n');
  });
});

describe.concurrent("--verbose shows where a plugin failed, in its own files", () => {
  for (const isolation of ["compartment", "process"]) {
    test(`at --isolation=${isolation}: the frame relative to the plugin's folder, no host path`, async () => {
      const r = await cli(
        ["run", fixture("crash/index.js"), "--verbose", `--isolation=${isolation}`],
        dir,
      );
      expect(r.code).toBe(cliExitCodes.CRASHED);
      expect(r.stderr).toContain("\n    at main (./index.js:4:9)\n");
      expect(r.stderr).not.toContain(fixture(""));
      expect(r.stderr).not.toContain("file://");
      // The message's own line break stays escaped: it cannot forge a line.
      expect(r.stderr.split("\n")).not.toContain("padded-cell: plugin succeeded");
    });
  }

  test("without --verbose, no frame, and a hint to use it", async () => {
    const r = await cli(["run", fixture("crash/index.js")], dir);
    expect(r.stderr).not.toContain("at main");
    expect(r.stderr).toContain("--verbose");
  });
});
