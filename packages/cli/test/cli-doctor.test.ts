// padded-cell doctor, and --isolation=jail on the command line.
import { describe, expect, test } from "vitest";
import { jailSupport } from "@padded-cell/host";
import { parseCliArgs } from "../src/cli-args.js";
import { doctorReport } from "../src/cli-doctor.js";
import { runCli } from "../src/cli-main.js";

const capture = () => {
  let out = "";
  let err = "";
  return {
    io: {
      stdout: { write: (t: string) => ((out += t), true) },
      stderr: { write: (t: string) => ((err += t), true) },
      cwd: process.cwd(),
    },
    out: () => out,
    err: () => err,
  };
};

describe("padded-cell doctor", () => {
  test("reports every isolation level, and the jail as this machine answers", async () => {
    const c = capture();
    expect(await runCli(["doctor"], c.io as never)).toBe(0);
    for (const level of ["compartment", "worker", "process", "jail"]) {
      expect(c.out()).toMatch(new RegExp(`^  ${level}\\s+(yes|no)`, "m"));
    }
    expect(c.out()).toContain(jailSupport().ok ? "jail         yes" : "jail         no:");
  });

  test("a machine without jails is told what is missing and how to enable it", () => {
    const report = doctorReport({
      ok: false,
      missing: "bubblewrap (the bwrap command)",
      enable: "install bubblewrap (Debian: apt-get install bubblewrap)",
    });
    expect(report).toContain(
      "jail         no: bubblewrap (the bwrap command) is missing; to enable it, install bubblewrap",
    );
  });

  test("doctor takes no arguments", () => {
    expect(() => parseCliArgs(["doctor", "extra"])).toThrow(/doctor takes no arguments/);
  });
});

test("--isolation accepts jail, and names it among the choices when refusing", () => {
  expect(parseCliArgs(["run", "p.js", "--isolation=jail"])).toMatchObject({ isolation: "jail" });
  expect(() => parseCliArgs(["run", "p.js", "--isolation=chroot"])).toThrow(
    /compartment, worker, process or jail/,
  );
});
