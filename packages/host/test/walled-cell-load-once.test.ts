// A walled cell receives its plugin once and keeps it loaded (invariant 6 of
// wall-guest.ts): a second run() re-runs the loaded module, as a compartment
// cell does, so module state and results are the same at every level,
// including the key order of records (invariant 6 of wall-codec.ts).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost } from "../src/create-host.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "load-once-"));
  await writeFile(join(root, "package.json"), '{ "name": "load-once", "type": "module" }');
  await writeFile(
    join(root, "index.js"),
    `let runs = 0;
     export const main = () => {
       runs += 1;
       return { zeta: runs, alpha: { y: 1, x: [{ b: 1, a: 2 }] }, bytes: new Uint8Array([runs]) };
     };`,
  );
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("plugins load once behind a wall", () => {
  it("the same module runs again at every level: state and key order are identical", async () => {
    const host = await createHost();
    try {
      const seen: Record<string, string[]> = {};
      for (const isolation of ["compartment", "worker", "process"] as const) {
        const cell = await host.createCell({ name: `p-${isolation}`, isolation, root, grants: {} });
        seen[isolation] = [];
        for (let i = 0; i < 2; i += 1) {
          const r = (await cell.run("./index.js")) as { bytes: Uint8Array };
          seen[isolation].push(JSON.stringify({ ...r, bytes: [...r.bytes] }));
        }
      }
      expect(seen.compartment).toEqual([
        '{"zeta":1,"alpha":{"y":1,"x":[{"b":1,"a":2}]},"bytes":[1]}',
        '{"zeta":2,"alpha":{"y":1,"x":[{"b":1,"a":2}]},"bytes":[2]}',
      ]);
      expect(seen.worker).toEqual(seen.compartment);
      expect(seen.process).toEqual(seen.compartment);
    } finally {
      await host.close("done");
    }
  }, 60_000);
});
