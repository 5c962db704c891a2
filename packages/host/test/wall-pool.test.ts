// The warm pool: walls are started and locked down ahead of time, serve one
// cell each, and are replaced in the background.
import { describe, expect, it } from "vitest";
import { makeWallPool, type WallKind } from "../src/index.js";

const settle = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
};

describe.each(["worker", "process"] as WallKind[])("%s wall pool", (kind) => {
  it("invariant 1: a wall serves one cell and is never handed out again; the pool refills", async () => {
    const limits = kind === "process" ? { memoryMb: 64 } : { stackKb: 512 };
    const pool = makeWallPool({ kind, size: 2, limits });
    expect(pool.size()).toBe(2);
    const first = await pool.acquire({ name: "one", grants: {}, limits: { cpuMs: 1000 } });
    const second = await pool.acquire({ name: "two", grants: {} });
    expect(await first.evaluate("globalThis.mark = 'one'; 1 + 1")).toBe(2);
    expect(await second.evaluate("typeof globalThis.mark")).toBe("undefined");
    await settle(() => pool.size() === 2);
    expect(pool.size()).toBe(2);
    const third = await pool.acquire({ name: "three", grants: {} });
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
    await Promise.all([first, second, third].map((w) => w.terminate()));
    await pool.close();
  });

  it("a limited cell from the pool is still limited (CPU budget applies after acquire)", async () => {
    const pool = makeWallPool({ kind, size: 1 });
    const wall = await pool.acquire({ name: "spin", grants: {}, limits: { cpuMs: 150 } });
    await wall.evaluate("for (;;) {}").catch(() => {});
    expect((await wall.fate).code).toBe("CELL_CPU_EXCEEDED");
    await pool.close();
  });

  it("invariant 3: close terminates pooled walls and later acquires fail", async () => {
    const pool = makeWallPool({ kind, size: 2 });
    await pool.close();
    expect(pool.size()).toBe(0);
    await expect(pool.acquire({ name: "late", grants: {} })).rejects.toMatchObject({
      code: "CELL_START_FAILED",
    });
  });
});
