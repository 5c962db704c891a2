// cell-ambient.ts: a cell's Date, Math, Intl and crypto follow its clock and
// randomness grants, identically at every level; without them they are
// deterministic (default) or denied, and no path from the cell's globals
// leads to the realm's real clock (invariant 2).
import { describe, expect, test } from "vitest";
import { makeClockCap, makeRandomCap } from "@padded-cell/caps";
import { createHost, type CellOptions, type Isolation } from "../src/index.js";

const LEVELS: Isolation[] = ["compartment", "worker", "process"];

const inCell = async (isolation: Isolation, options: Partial<CellOptions>, source: string) => {
  const host = await createHost();
  const cell = await host.createCell({ name: "t", isolation, ...options });
  try {
    return await cell.evaluate(source);
  } finally {
    await cell.revoke("done");
    await host.close("done");
  }
};

const PROBE = `JSON.stringify({
  now: Date.now(),
  constructed: new Date().getTime(),
  called: Date(),
  given: new Date(86400000).toISOString(),
  isDate: new Date(0) instanceof Date,
  randoms: [Math.random(), Math.random(), Math.random()],
  floor: Math.floor(2.5),
  mathTag: Object.prototype.toString.call(Math),
  formatted: new Intl.DateTimeFormat("en-US", { timeZone: "UTC", year: "numeric", hour: "numeric", minute: "numeric", second: "numeric", fractionalSecondDigits: 3 }).format(),
  number: new Intl.NumberFormat("en-US").format(1234.5),
  crypto: typeof crypto,
})`;

describe("without grants: deterministic by default, the same at every level", () => {
  test("the clock reads 0, random numbers are a fixed sequence, Intl formats the epoch", async () => {
    const results = [];
    for (const level of LEVELS) results.push(await inCell(level, {}, PROBE));
    const first = JSON.parse(results[0] as string) as Record<string, unknown>;
    expect(first).toMatchObject({
      now: 0,
      constructed: 0,
      given: "1970-01-02T00:00:00.000Z",
      isDate: true,
      floor: 2,
      mathTag: "[object Math]",
      formatted: "1970, 12:00:00.000 AM",
      number: "1,234.5",
      crypto: "undefined",
    });
    expect(first.called).toMatch(/^Thu Jan 01 1970/);
    const randoms = first.randoms as number[];
    expect(new Set(randoms).size).toBe(3);
    for (const r of randoms) expect(r >= 0 && r < 1).toBe(true);
    for (const other of results) expect(other).toBe(results[0]);
  }, 60_000);
});

describe.each(LEVELS)("at %s level", (isolation) => {
  test('with ambient "deny", time and randomness throw with a code naming the grant', async () => {
    const out = await inCell(
      isolation,
      { ambient: "deny" },
      `const code = (f) => { try { f(); return "ok"; } catch (e) { return e.code; } };
       JSON.stringify([code(() => Date.now()), code(() => new Date()), code(() => Math.random()),
         code(() => new Intl.DateTimeFormat().format()), new Date(5).getTime()])`,
    );
    expect(JSON.parse(out as string)).toEqual([
      "CELL_CLOCK_NOT_GRANTED",
      "CELL_CLOCK_NOT_GRANTED",
      "CELL_RANDOM_NOT_GRANTED",
      "CELL_CLOCK_NOT_GRANTED",
      5,
    ]);
  });

  test("a clock grant gives real time, coarsened as the grant is; a random grant gives crypto", async () => {
    const before = Date.now();
    const out = await inCell(
      isolation,
      { grants: { clock: makeClockCap({ coarsenMs: 1000 }), rnd: makeRandomCap() } },
      `JSON.stringify({ now: Date.now(), made: new Date().getTime(),
         uuid: crypto.randomUUID(), bytes: Array.from(crypto.getRandomValues(new Uint8Array(4))).length,
         random: Math.random() })`,
    );
    const r = JSON.parse(out as string) as Record<string, number | string>;
    expect(r.now as number).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect((r.now as number) % 1000).toBe(0);
    expect((r.made as number) % 1000).toBe(0);
    expect(r.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.bytes).toBe(4);
  });

  test("no path from the cell's globals reaches a clock that runs (invariant 2)", async () => {
    // Walks everything reachable from Date, Math and Intl (own properties,
    // accessors, prototypes) and calls every function named `now`, and
    // formats "now" with every DateTimeFormat-like constructor found.
    const out = await inCell(
      isolation,
      { ambient: "deny" },
      `(() => {
        const seen = new Set(); const queue = [Date, Math, Intl]; const found = [];
        while (queue.length > 0) {
          const v = queue.shift();
          if ((typeof v !== "object" && typeof v !== "function") || v === null || seen.has(v)) continue;
          seen.add(v);
          queue.push(Object.getPrototypeOf(v));
          for (const key of Reflect.ownKeys(v)) {
            const d = Object.getOwnPropertyDescriptor(v, key);
            for (const part of [d.value, d.get, d.set]) queue.push(part);
            if (key === "now" && typeof d.value === "function") {
              try { found.push(String(d.value())); } catch (e) { found.push("throws"); }
            }
            if (typeof d.value === "function" && d.value.name === "DateTimeFormat") {
              try { found.push(new d.value("en", { second: "numeric", fractionalSecondDigits: 3 }).format()); } catch (e) { found.push("throws"); }
            }
          }
        }
        return JSON.stringify([...new Set(found)]);
      })()`,
    );
    expect(JSON.parse(out as string)).toEqual(["throws"]);
  });
});

describe("node:crypto", () => {
  test("with a random grant, a module imports randomUUID and webcrypto; without, the denial names the grant", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const root = await mkdtemp(join(tmpdir(), "pc-crypto-"));
    await writeFile(join(root, "package.json"), '{"name":"p","type":"module"}');
    await writeFile(
      join(root, "index.js"),
      `import { randomUUID, webcrypto } from "node:crypto";
       export const main = () => [randomUUID().length, webcrypto.getRandomValues(new Uint8Array(8)).length];`,
    );
    const host = await createHost();
    try {
      for (const isolation of LEVELS) {
        const granted = await host.createCell({
          name: "c",
          root,
          isolation,
          grants: { r: makeRandomCap() },
        });
        expect(await granted.run("./index.js")).toEqual([36, 8]);
        await granted.revoke("done");
        const bare = await host.createCell({ name: "c", root, isolation });
        const denial = await bare.run("./index.js").then(
          () => undefined,
          (e: unknown) => e as { code?: string; message?: string },
        );
        expect(denial?.code).toBe("MODULE_DENIED");
        expect(denial?.message).toContain("granted random");
        await bare.revoke("done");
      }
    } finally {
      await host.close("done");
    }
  }, 60_000);
});
