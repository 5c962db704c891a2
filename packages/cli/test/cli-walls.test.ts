// The padded-cell CLI with a wall: --isolation=worker|process, --cpu, --memory.
// --cpu is tested on worker cells, --memory on process cells; grants across both walls.
import { beforeAll, describe, expect, test, vi } from "vitest";
import { cliExitCodes } from "../src/cli-exit-codes.js";
import { build, cli, fixture, workdir } from "./fixtures/cli/harness.js";

// Walls start a process or a worker: keep a margin for a loaded machine (load 4).
vi.setConfig({ testTimeout: 60_000 });
let dir = "";
beforeAll(async () => {
  await build();
  dir = await workdir();
}, 60_000);

describe.concurrent("walled cells", () => {
  test.each(["worker", "process"])(
    "grants cross the %s wall; a denial names the flag the same way",
    async (isolation) => {
      const r = await cli(
        [
          "run",
          fixture("probe/index.js"),
          `--isolation=${isolation}`,
          "--allow-read=./data",
          "--allow-env=PROBE",
        ],
        dir,
        { PROBE: "/data/a.txt,/other.txt" },
      );
      expect(r.code).toBe(cliExitCodes.OK);
      const report = JSON.parse(r.stdout) as Record<string, string>;
      expect(report["/data/a.txt"]).toBe("text:hello");
      expect(report["/other.txt"]).toMatch(/^POLICY_FS_DENIED: .*--allow-read=\.\/other\.txt/);
    },
  );

  test("--cpu stops a plugin that never yields (exit 4); a process is the default wall when a limit is given", async () => {
    const r = await cli(["run", fixture("spin/index.js"), "--cpu=300ms"], dir);
    expect(r.code).toBe(cliExitCodes.LIMIT);
    expect(r.stderr).toContain("CELL_CPU_EXCEEDED");
  });

  test("--memory stops a plugin that allocates without bound (exit 4); process is its default wall", async () => {
    const r = await cli(["run", fixture("hog/index.js"), "--memory=32mb"], dir);
    expect(r.code).toBe(cliExitCodes.LIMIT);
    expect(r.stderr).toContain("CELL_OUT_OF_MEMORY");
  });

  test("--memory at worker isolation is refused as bad usage (a worker cannot contain memory)", async () => {
    const r = await cli(
      ["run", fixture("hog/index.js"), "--isolation=worker", "--memory=32mb"],
      dir,
    );
    expect(r.code).toBe(cliExitCodes.USAGE);
    expect(r.stderr).toContain("--memory needs --isolation=process");
  });
});
