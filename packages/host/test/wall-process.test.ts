// Fault suite for the child-process wall (see fixtures/walls/fault-suite.ts),
// plus what only a process can suffer: a kill from outside, a dead pipe.
import { describe, expect, it } from "vitest";
import { catchShape, start } from "./fixtures/walls/fault-suite.js";
import { faultSuite } from "./fixtures/walls/fault-suite.js";

faultSuite("process");

describe("process wall: outside kills and dead pipes", () => {
  it("invariant: SIGKILL during a capability call rejects pending calls at once (CELL_KILLED)", async () => {
    let called: () => void = () => {};
    const inCall = new Promise<void>((r) => (called = r));
    const slow = { wait: () => (called(), new Promise(() => {})) };
    const { wall } = await start("process", {}, { slow });
    const pending = wall.evaluate("caps.slow.wait()");
    await inCall;
    process.kill(wall.id, "SIGKILL");
    expect(await catchShape(pending)).toMatchObject({ code: "CELL_KILLED" });
    const fate = await wall.fate;
    expect(fate).toMatchObject({ kind: "killed", code: "CELL_KILLED" });
    expect(await catchShape(wall.evaluate("1"))).toMatchObject({ code: "CELL_KILLED" });
  });

  it("invariant: answering a child that died mid-call (EPIPE) does not hurt the host", async () => {
    let wallId = -1;
    const big = {
      fetch: async () => {
        process.kill(wallId, "SIGKILL");
        await new Promise((r) => setTimeout(r, 50));
        return "y".repeat(4 * 1024 * 1024);
      },
    };
    const { wall } = await start("process", {}, { big });
    wallId = wall.id;
    expect(await catchShape(wall.evaluate("caps.big.fetch()"))).toMatchObject({
      code: "CELL_KILLED",
    });
    await new Promise((r) => setTimeout(r, 100));
    expect((await wall.fate).code).toBe("CELL_KILLED");
  });

  it("invariant: the child sees no host environment and works in an empty temporary directory", async () => {
    process.env.PADDED_CELL_SECRET = "s3cret";
    const { wall } = await start("process", {});
    // The cell's `process` is its own facade: no host variable in it.
    expect(await wall.evaluate("JSON.stringify(process.env)")).toBe("{}");
    // And the child process itself has no environment.
    const { readFileSync } = await import("node:fs");
    const environ = readFileSync(`/proc/${wall.id}/environ`, "latin1");
    expect(environ).not.toContain("s3cret");
    expect(environ).toBe("");
    delete process.env.PADDED_CELL_SECRET;
    await wall.terminate();
  });
});
