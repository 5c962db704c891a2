// What a host prints of a cell's result is its content, at every level: a
// compartment cell's result is a live view (its proxy's shadow used to print
// as `[Object: null prototype] {}`), a walled cell's is a copy.
import { inspect } from "node:util";
import { expect, test } from "vitest";
import { createHost, type Isolation } from "../src/index.js";

test("console.log of a result shows the same content at every level", async () => {
  const host = await createHost();
  const printed: string[] = [];
  try {
    for (const isolation of ["compartment", "worker"] satisfies Isolation[]) {
      const cell = await host.createCell({ name: "p", isolation });
      printed.push(inspect(await cell.evaluate("({ a: 1, list: [1, { b: 'x' }] })")));
      await cell.revoke("done");
    }
  } finally {
    await host.close("done");
  }
  expect(printed).toEqual([
    "{ a: 1, list: [ 1, { b: 'x' } ] }",
    "{ a: 1, list: [ 1, { b: 'x' } ] }",
  ]);
});
