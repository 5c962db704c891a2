// Every child is reaped: a process wall never outlives its host, whether the
// host exits normally or is killed with SIGKILL (then the child notices its
// pipe closed and exits by itself).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const HOST = fileURLToPath(new URL("./fixtures/walls/host-that-exits.mjs", import.meta.url));

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const waitGone = async (pid: number) => {
  for (let i = 0; i < 300 && isRunning(pid); i += 1) await new Promise((r) => setTimeout(r, 10));
  return !isRunning(pid);
};

const startHost = async (mode: "exit" | "wait") => {
  const host = spawn(process.execPath, [HOST, mode], { stdio: ["ignore", "pipe", "inherit"] });
  const pid = await new Promise<number>((resolve, reject) => {
    host.stdout.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
    host.once("exit", () => reject(new Error("host exited before printing the wall's pid")));
  });
  return { host, pid };
};

describe("process wall reaping", () => {
  it("invariant 4: the child is killed when its host exits", async () => {
    const { pid } = await startHost("exit");
    expect(pid).toBeGreaterThan(0);
    expect(await waitGone(pid)).toBe(true);
  });

  it("invariant 4: the child exits by itself when its host is killed with SIGKILL", async () => {
    const { host, pid } = await startHost("wait");
    expect(isRunning(pid)).toBe(true);
    host.kill("SIGKILL");
    expect(await waitGone(pid)).toBe(true);
  });
});
