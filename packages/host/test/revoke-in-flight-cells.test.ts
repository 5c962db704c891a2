// Invariant "revocation leaves no work in flight" (cell-grants.ts invariant
// 3), at every isolation level: when `cell.revokeGrant(name)` or
// `cell.revoke()` resolves, every file operation the cell started through
// the grant either landed and its caller saw OK, or did not land and its
// caller saw REVOKED; and nothing lands afterwards. Races repeat with seeded
// random timing (fewer at the walls, whose cells cost more to start). The
// waits after revocation only give a late effect the chance to show.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDirCap, makeSubprocessCap, makeTimers } from "@padded-cell/caps";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHost, type Isolation } from "../src/index.js";

const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const randomMoment = async (r: () => number): Promise<void> => {
  const n = Math.floor(r() * 8);
  if (r() < 0.5) for (let i = 0; i < n; i += 1) await new Promise((res) => setImmediate(res));
  else await new Promise((res) => setTimeout(res, n));
};
const settleLate = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await new Promise((res) => setImmediate(res));
  await new Promise((res) => setTimeout(res, 30));
};
const snapshot = async (dir: string): Promise<Record<string, string>> => {
  const result: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    try {
      result[name] = await readFile(join(dir, name), "utf8");
    } catch {
      result[name] = "<dir>";
    }
  }
  return result;
};

const N = 3;
/** The cell starts every kind of file effect at once and reports each outcome. */
const START = `(async () => {
  const fs = caps.fs;
  const handle = await fs.openWrite("/s");
  const ops = [];
  // Each outcome is taken as the operation starts (no unhandled rejection);
  // a revoked reference throws at once.
  const add = (name, start) => {
    let p;
    try { p = start(); } catch (e) { p = Promise.reject(e); }
    ops.push(p.then(() => name + "=OK", (e) => name + "=" + (e && e.code)));
  };
  for (let i = 0; i < ${N}; i++) {
    add("w" + i, () => fs.writeFile("/w" + i, "w"));
    add("a" + i, () => fs.appendFile("/a" + i, "+"));
    add("r" + i, () => fs.rename("/r" + i, "/m" + i));
    add("d" + i, () => fs.rm("/d" + i));
    add("k" + i, () => fs.mkdir("/k" + i));
    add("s" + i, () => handle.write("<" + i + ">"));
  }
  const out = await Promise.all(ops);
  return out.join(",");
})()`;

const landed = (first: Record<string, string>, name: string): boolean => {
  const i = name.slice(1);
  switch (name[0]) {
    case "w":
      return first[`w${i}`] === "w";
    case "a":
      return first[`a${i}`] === "a+";
    case "r":
      return first[`m${i}`] === "r" && first[`r${i}`] === undefined;
    case "d":
      return first[`d${i}`] === undefined;
    case "k":
      return first[`k${i}`] === "<dir>";
    default:
      return (first.s ?? "").includes(`<${i}>`);
  }
};

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "revoke-cells-"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const prepare = async (name: string): Promise<string> => {
  const dir = join(base, name);
  await mkdir(dir);
  for (let i = 0; i < N; i += 1) {
    await writeFile(join(dir, `a${i}`), "a");
    await writeFile(join(dir, `r${i}`), "r");
    await writeFile(join(dir, `d${i}`), "d");
  }
  return dir;
};

const LEVELS: Array<[Isolation, number]> = [
  ["compartment", 200],
  ["worker", 12],
  ["process", 6],
];

describe.each(LEVELS)("invariant: revocation leaves no work in flight (%s)", (isolation, runs) => {
  test(`revokeGrant: each file operation landed ⇔ its caller saw OK, and nothing lands after (${runs} seeded races)`, async () => {
    const host = await createHost();
    for (let iteration = 0; iteration < runs; iteration += 1) {
      const r = rng(isolation.length * 1000 + iteration);
      const dir = await prepare(`${isolation}-grant-${iteration}`);
      const cell = await host.createCell({
        name: `racer-${iteration}`,
        isolation,
        grants: { fs: ({ scope }) => makeDirCap(dir, { scope }) },
      });
      try {
        const started = cell.evaluate(START) as Promise<string>;
        // The walls need a moment to carry the calls over: wait for the
        // stream to exist before racing, so the race is about the writes.
        while (!(await readdir(dir)).includes("s")) await new Promise((res) => setTimeout(res, 1));
        await randomMoment(r);
        await cell.revokeGrant("fs", "race");
        const first = await snapshot(dir);
        await settleLate();
        expect(await snapshot(dir), `iteration ${iteration}: landed after revokeGrant`).toEqual(
          first,
        );
        const outcomes = (await started).split(",");
        expect(outcomes).toHaveLength(N * 6);
        for (const entry of outcomes) {
          const [name, code] = entry.split("=") as [string, string];
          expect(["OK", "REVOKED"], entry).toContain(code);
          expect(landed(first, name), `iteration ${iteration}: ${entry}`).toBe(code === "OK");
        }
      } finally {
        await cell.revoke("done");
      }
    }
  }, 300_000);

  test(`revoke: nothing the cell started lands after revoke() resolved (${Math.ceil(runs / 2)} seeded races)`, async () => {
    const host = await createHost();
    for (let iteration = 0; iteration < Math.ceil(runs / 2); iteration += 1) {
      const r = rng(isolation.length * 7000 + iteration);
      const dir = await prepare(`${isolation}-cell-${iteration}`);
      const cell = await host.createCell({
        name: `racer-${iteration}`,
        isolation,
        grants: { fs: ({ scope }) => makeDirCap(dir, { scope }) },
      });
      const started = (cell.evaluate(START) as Promise<unknown>).catch(() => undefined);
      while (!(await readdir(dir)).includes("s")) await new Promise((res) => setTimeout(res, 1));
      await randomMoment(r);
      await cell.revoke("race");
      const first = await snapshot(dir);
      await settleLate();
      expect(await snapshot(dir), `iteration ${iteration}: landed after revoke`).toEqual(first);
      await started;
    }
  }, 300_000);

  test("revoke: children are reaped and timers cancelled before revoke() resolves", async () => {
    const host = await createHost();
    const dir = await prepare(`${isolation}-children`);
    const cell = await host.createCell({
      name: "spawner",
      isolation,
      grants: {
        sh: ({ scope }) =>
          makeSubprocessCap({
            executable: "/bin/sh",
            args: ["-c", /.*/],
            cwd: dir,
            env: {},
            timeoutMs: 60_000,
            maxOutputBytes: 1024,
            scope,
          }),
        timers: ({ scope }) => makeTimers({ scope }).cap,
        fs: ({ scope }) => makeDirCap(dir, { scope }),
      },
    });
    void (
      cell.evaluate(`(async () => {
      caps.timers.setTimeout(() => caps.fs.writeFile("/timer", "t"), 300);
      await caps.sh.run(["-c", "echo started > child; sleep 0.3; echo late > late"]);
    })()`) as Promise<unknown>
    ).catch(() => undefined);
    while (!(await readdir(dir)).includes("child")) await new Promise((res) => setTimeout(res, 5));
    await cell.revoke("stop");
    await new Promise((res) => setTimeout(res, 600));
    const names = await readdir(dir);
    expect(names).not.toContain("late");
    expect(names).not.toContain("timer");
  }, 60_000);
});
