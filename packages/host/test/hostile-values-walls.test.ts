// Attacks: hostile values a plugin throws or rejects towards the host, at
// every isolation level (membrane domain.ts invariants 4 and 5; wall-codec
// errorToData). The classes:
// - "a hostile value thrown or rejected towards the host runs its traps
//   while it is converted or encoded" (every trap: throwing, re-entering a
//   capability, looping forever; at a wall the CPU budget would stop a loop,
//   in the host's thread nothing would, so there the loop gives up after a
//   while so that old code fails instead of hanging);
// - "cell.run or cell.evaluate never settles on what a guest throws";
// - "process exit runs guest traps (unhandled-rejection reports)".
// Every outcome is the same at every level: a rejection with code
// MEMBRANE_HOSTILE_VALUE and the same message.
import { spawnSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { createHost, type Isolation } from "../src/index.js";

const LEVELS: Isolation[] = ["compartment", "worker", "process"];
const TRAPS = [
  "getPrototypeOf",
  "setPrototypeOf",
  "isExtensible",
  "preventExtensions",
  "getOwnPropertyDescriptor",
  "defineProperty",
  "has",
  "get",
  "set",
  "deleteProperty",
  "ownKeys",
  "apply",
  "construct",
];
const BEHAVIOURS = ["throw", "reenter", "loop"] as const;

const trapBody = (behaviour: (typeof BEHAVIOURS)[number], level: Isolation): string => {
  switch (behaviour) {
    case "throw":
      return "throw new Proxy({}, { getPrototypeOf() { throw new Error('nested'); }, get() { throw new Error('nested'); } });";
    case "reenter":
      return "caps.probe.hit(); return Reflect[trap](...args);";
    default:
      return level === "compartment"
        ? "let n = 0; for (;;) { n += 1; if (n > 2e7) throw new Error('gave up looping'); }"
        : "for (;;) {}";
  }
};

const hostileSource = (trap: string, behaviour: (typeof BEHAVIOURS)[number], level: Isolation) =>
  `new Proxy(function () {}, { ${trap}(...args) { const trap = ${JSON.stringify(trap)}; ${trapBody(behaviour, level)} } })`;

const makeCell = async (isolation: Isolation) => {
  let hits = 0;
  const host = await createHost();
  const root = await mkdtemp(join(tmpdir(), "hostile-values-"));
  await writeFile(join(root, "package.json"), JSON.stringify({ name: "plugin", type: "module" }));
  for (const trap of TRAPS) {
    for (const behaviour of BEHAVIOURS) {
      const make = `const make = (caps) => ${hostileSource(trap, behaviour, isolation)};`;
      await writeFile(
        join(root, `thrown-${trap}-${behaviour}.js`),
        `${make}\nexport function main(caps) { throw make(caps); }\n`,
      );
      await writeFile(
        join(root, `rejected-${trap}-${behaviour}.js`),
        `${make}\nexport async function main(caps) { await null; throw make(caps); }\n`,
      );
    }
  }
  const cell = await host.createCell({
    name: "hostile",
    isolation,
    root,
    ...(isolation === "compartment" ? {} : { limits: { cpuMs: 20_000 } }),
    grants: { probe: harden({ hit: async () => void (hits += 1) }) },
  });
  return { cell, hits: () => hits };
};

const outcome = async (run: Promise<unknown>) => {
  try {
    return { fulfilled: await run };
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return { code, message };
  }
};

describe("class: a hostile value thrown or rejected towards the host, at every level", () => {
  const results = new Map<Isolation, unknown[]>();
  for (const level of LEVELS) {
    test(`${level}: every trap, throwing, re-entering a capability or looping, never runs; every run settles hostile`, async () => {
      const { cell, hits } = await makeCell(level);
      const seen: unknown[] = [];
      try {
        for (const trap of TRAPS) {
          for (const behaviour of BEHAVIOURS) {
            for (const delivery of ["thrown", "rejected"]) {
              const result = await outcome(cell.run(`./${delivery}-${trap}-${behaviour}.js`));
              expect(result, `${delivery} ${trap} ${behaviour}`).toMatchObject({
                code: "MEMBRANE_HOSTILE_VALUE",
              });
              seen.push(result);
            }
            const source = hostileSource(trap, behaviour, level);
            for (const script of [
              `const caps = globalThis.caps; throw ${source}`,
              `const caps = globalThis.caps; Promise.reject(${source})`,
            ]) {
              const result = await outcome(cell.evaluate(script));
              expect(result, `${script}`).toMatchObject({ code: "MEMBRANE_HOSTILE_VALUE" });
              seen.push(result);
            }
          }
        }
        // A trap that had run would have called the capability by now.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(hits()).toBe(0);
        results.set(level, seen);
      } finally {
        await cell.revoke("test done");
      }
    }, 120_000);
  }

  test("the outcome is identical at every level", () => {
    expect(results.size).toBe(LEVELS.length);
    const [first, ...rest] = [...results.values()];
    for (const other of rest) expect(other).toEqual(first);
  });
});

describe("class: process exit runs guest traps", () => {
  test("a compartment cell that rejects a hostile Proxy: run settles, exit is clean, no trap ever runs", async () => {
    const root = await mkdtemp(join(tmpdir(), "hostile-exit-"));
    await writeFile(join(root, "package.json"), JSON.stringify({ name: "plugin", type: "module" }));
    const traps = TRAPS.map((t) => `${t}() { caps.probe.hit(); throw new Error('trap'); }`);
    await writeFile(
      join(root, "main.js"),
      `export async function main(caps) { throw new Proxy(function () {}, { ${traps.join(", ")} }); }\n`,
    );
    const hostIndex = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    const script = `
      const { createHost } = await import(${JSON.stringify(hostIndex)});
      const host = await createHost();
      let hits = 0;
      const cell = await host.createCell({ name: "exit", root: ${JSON.stringify(root)},
        grants: { probe: harden({ hit: async () => { hits += 1; console.log("TRAP RAN"); } }) } });
      const error = await cell.run("./main.js").then(() => "fulfilled", (e) => e.code);
      console.log("RUN", error);
      process.on("exit", () => console.log("HITS", hits));
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(child.stdout).toContain("RUN MEMBRANE_HOSTILE_VALUE");
    expect(child.stdout).toContain("HITS 0");
    expect(child.stdout).not.toContain("TRAP RAN");
    expect(child.stderr).not.toMatch(/unhandled/i);
    expect(child.status).toBe(0);
  }, 90_000);
});
