// Cell creation cost against a bare Compartment in the same run, and the
// memory one idle compartment cell keeps alive (1,000 cells).
import { makeClockCap, makeMemoryDirCap, makeRandomCap } from "../packages/caps/dist/index.js";
import { createHost } from "../packages/host/dist/index.js";
import { msPerRun, result } from "./measure.js";

const grants = () => ({
  fs: makeMemoryDirCap({ seed: { "/a.txt": "a" } }),
  clock: makeClockCap(),
  random: makeRandomCap(),
});

export async function run() {
  const host = await createHost();
  const bare = await msPerRun(async () => {
    for (let i = 0; i < 100; i += 1) new Compartment({ globals: { x: 1 }, __options__: true });
  });
  const cells = await msPerRun(async () => {
    for (let i = 0; i < 100; i += 1) await host.createCell({ name: `c${i}`, grants: grants() });
  });

  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const alive = [];
  for (let i = 0; i < 1000; i += 1) {
    const cell = await host.createCell({ name: `idle${i}`, grants: grants() });
    await cell.evaluate("1");
    alive.push(cell);
  }
  globalThis.gc?.();
  const perCell = (process.memoryUsage().heapUsed - before) / 1000 / 1024;
  const compartments = [];
  globalThis.gc?.();
  const beforeBare = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1000; i += 1) compartments.push(new Compartment({ __options__: true }));
  globalThis.gc?.();
  const perCompartment = (process.memoryUsage().heapUsed - beforeBare) / 1000 / 1024;
  await host.close("bench done");

  return [
    result(
      "cells: create a compartment cell with 3 grants vs bare Compartment",
      cells / 100,
      "ms",
      bare / 100,
    ),
    result(
      "cells: heap per idle cell (1,000 alive) vs bare Compartment",
      perCell,
      "KiB",
      perCompartment,
    ),
  ];
}
