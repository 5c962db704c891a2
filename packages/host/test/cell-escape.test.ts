// Escape attempts through every path reachable from a cell's global object.
// The guest walks everything it can reach (own property values, accessors
// and what they return, prototypes) and hands each object to a raw probe.
// Every object must be a membrane proxy, or something an empty compartment
// (the bare frozen language) reaches too, or the compartment's own global
// and evaluators: nothing else of the host.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { types } from "node:util";
import {
  makeClockCap,
  makeDirCap,
  makeEnvCap,
  makeHttpCap,
  makeMemoryDirCap,
  makeRandomCap,
  makeResourceScope,
  makeStdio,
  makeTcpCap,
  makeTimers,
} from "@padded-cell/caps";
import { makeMembrane } from "@padded-cell/membrane";
import { expect, test } from "vitest";
import { makeCellEndowments, type GrantedCap } from "../src/cell/cell-globals.js";
import { createHost } from "../src/index.js";

const WALK = `
  const seen = new Set();
  const queue = [globalThis];
  let count = 0;
  while (queue.length > 0 && count < 20000) {
    const object = queue.shift();
    if (seen.has(object)) continue;
    seen.add(object);
    count += 1;
    probe(object);
    const push = (v) => { if ((typeof v === "object" && v !== null) || typeof v === "function") queue.push(v); };
    try { push(Object.getPrototypeOf(object)); } catch {}
    let keys = [];
    try { keys = Reflect.ownKeys(object); } catch {}
    for (const key of keys) {
      let desc;
      try { desc = Object.getOwnPropertyDescriptor(object, key); } catch { continue; }
      if (!desc) continue;
      push(desc.value); push(desc.get); push(desc.set);
      if (desc.get) { try { push(Reflect.get(object, key)); } catch {} }
    }
  }
  count;
`;

test("nothing reachable from a cell's globals is a raw host object", async () => {
  await createHost();
  const dir = await mkdtemp(join(tmpdir(), "escape-"));
  const scope = makeResourceScope("escape");
  const membrane = makeMembrane("escape");
  const caps: Record<string, object> = {
    fs: makeDirCap(dir, { scope }),
    scratch: makeMemoryDirCap({ seed: { "/a.txt": "a" } }),
    env: makeEnvCap({ HOME: "/root" }, { allow: ["HOME"] }),
    clock: makeClockCap(),
    random: makeRandomCap(),
    timers: makeTimers({ scope }).cap,
    http: makeHttpCap({ allow: ["https://api.example.com/"] }),
    net: makeTcpCap({ allow: ["api.example.com:443"] }),
  };
  const granted = new Map<string, GrantedCap>();
  for (const [name, cap] of Object.entries(caps))
    granted.set(name, { cap, caretaker: membrane.revocable(cap, { name }) });
  const stdio = makeStdio({ scope }).cap;
  const endowments = makeCellEndowments(
    membrane,
    granted,
    { cap: stdio, caretaker: membrane.revocable(stdio) },
    { clock: {}, random: true, ungranted: "deny" },
  );
  // Date, Math, Intl, crypto and console are made for the cell and given as
  // they are (cell-ambient.ts, console-facade.ts invariant 5): what they
  // reach must be frozen, and is listed here.
  const ambient = new Set<object>();
  const reach = (value: unknown): void => {
    if ((typeof value !== "object" && typeof value !== "function") || value === null) return;
    if (ambient.has(value)) return;
    ambient.add(value);
    reach(Object.getPrototypeOf(value));
    for (const key of Reflect.ownKeys(value)) {
      const desc = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
      reach(desc.value);
      reach(desc.get);
      reach(desc.set);
    }
  };
  for (const name of ["Date", "Math", "Intl", "crypto", "console"]) reach(endowments.globals[name]);
  for (const value of ambient) expect(Object.isFrozen(value)).toBe(true);

  // The baseline: everything an empty compartment reaches.
  const baseline = new Set<object>();
  const empty = new Compartment({
    globals: { probe: (v: object) => baseline.add(v) },
    __options__: true,
  } as never) as Compartment & {
    globalThis: Record<string, unknown>;
  };
  empty.evaluate(WALK.replace("probe(object);", "if (object !== probe) probe(object);"));
  // The compartment's own: its global, its evaluators, and SES's accessors on its global.
  const ownOf = (c: { globalThis: Record<string, unknown> }, value: unknown) =>
    value === c.globalThis ||
    value === c.globalThis.eval ||
    value === c.globalThis.Function ||
    value === c.globalThis.Compartment ||
    Reflect.ownKeys(c.globalThis).some((key) => {
      const desc = Object.getOwnPropertyDescriptor(c.globalThis, key);
      return desc !== undefined && (desc.get === value || desc.set === value);
    });

  // SES's powerless stand-in for a compartment's `Error.prepareStackTrace`
  // is a fresh `() => ''` on every read: harmless, but never the baseline's
  // instance, so it is recognised by its source text.
  const standInGetter = Object.getOwnPropertyDescriptor(empty.globalThis.Error, "prepareStackTrace")
    ?.get as () => unknown;
  const standInSource = Function.prototype.toString.call(standInGetter());
  const isStandIn = (value: object) =>
    typeof value === "function" && Function.prototype.toString.call(value) === standInSource;

  const offenders: string[] = [];
  const compartment = new Compartment({
    globals: {
      ...endowments.globals,
      // The raw probe is the test's back door: it sees the guest's values unconverted.
      probe: (value: object) => {
        if (
          !ownOf(compartment, value) &&
          !types.isProxy(value) &&
          !baseline.has(value) &&
          !ambient.has(value) &&
          !isStandIn(value)
        ) {
          offenders.push(
            `${typeof value} ${Object.prototype.toString.call(value)} ${typeof value === "function" ? (value as { name?: string }).name : ""}`,
          );
        }
      },
    },
    __options__: true,
  } as never) as Compartment & { globalThis: Record<string, unknown> };
  const count = compartment.evaluate(
    WALK.replace("probe(object);", "if (object !== probe) probe(object);"),
  ) as number;
  expect(count).toBeGreaterThan(500);
  expect(offenders).toEqual([]);
  await scope.close("done");
});

test("the cell's global has no host authority by name", async () => {
  const host = await createHost();
  const cell = await host.createCell({ name: "names" });
  // `process`, `global` and `self` exist (cell-global-object.ts) but are the
  // cell's own: checked below and in cell-global-object.test.ts.
  const names = [
    "require",
    "module",
    "Buffer",
    "setImmediate",
    "fetch",
    "setTimeout",
    "WebAssembly",
    "SharedArrayBuffer",
    "Atomics",
    "performance",
    "queueMicrotask",
    "__dirname",
  ];
  const present = (await cell.evaluate(
    `${JSON.stringify(names)}.filter((n) => typeof globalThis[n] !== "undefined")`,
  )) as string[];
  expect([...present]).toEqual([]);
  expect(
    await cell.evaluate(
      `["exit", "abort", "kill", "binding", "dlopen", "mainModule", "stdout"].filter((n) => n in process)`,
    ),
  ).toEqual([]);
  expect(await cell.evaluate("global === globalThis && self === globalThis")).toBe(true);
  // Without a clock grant the clock reads 0 (cell-ambient.ts): no host time.
  expect(await cell.evaluate("[Date.now(), new Date().getTime()]")).toEqual([0, 0]);
});

test("classic escapes from the global object fail", async () => {
  const host = await createHost();
  const cell = await host.createCell({
    name: "escapes",
    grants: { svc: harden({ f: async () => 1 }) },
  });
  const attempts = [
    "Function('return process')()",
    "(function(){}).constructor('return this')()",
    "caps.svc.f.constructor('return process')()",
    "Object.getPrototypeOf(async function(){}).constructor('return process')()",
    "caps.constructor.constructor('return process')()",
    "import('node:fs')",
    "caps.svc.f.caller",
    "(() => { 'use strict'; return this; })().process",
  ];
  for (const attempt of attempts) {
    let outcome: unknown;
    try {
      outcome = await cell.evaluate(attempt);
    } catch (error) {
      outcome = error;
    }
    // Either it failed, or whatever it produced is not Node's process object.
    expect(outcome, attempt).not.toBe(process);
    if (outcome && typeof outcome === "object" && !(outcome instanceof Error)) {
      // The cell's own process facade may come back; Node's never does.
      expect(Object.keys(outcome), attempt).not.toContain("exit");
      expect(Object.keys(outcome), attempt).not.toContain("binding");
    }
  }
});
