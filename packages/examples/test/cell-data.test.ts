// copyData: what a host keeps of a cell's result outlives the cell.
// Invariant numbers refer to src/cell-data.ts.
import { describe, expect, it } from "vitest";
import { createHost } from "@padded-cell/host";
import { copyData } from "../src/cell-data.js";

describe("copyData", () => {
  it("invariants 1 and 2: a hardened JSON copy that survives the cell's revocation", async () => {
    const host = await createHost();
    const cell = await host.createCell({ name: "producer" });
    const view = (await cell.evaluate(
      `({ pages: [{ title: "a", bytes: 3 }], run() { return 1; }, get live() { return 2; } })`,
    )) as Record<string, unknown>;
    const copy = copyData(view);
    await cell.revoke("done");
    expect(() => view.pages).toThrow(/revoked/);
    // Functions are dropped; a getter's value is read once; nothing of the cell remains.
    expect(copy).toEqual({ pages: [{ title: "a", bytes: 3 }], live: 2 });
    expect(Object.isFrozen(copy) && Object.isFrozen((copy as { pages: object }).pages)).toBe(true);
  });

  it("passes undefined through", () => {
    expect(copyData(undefined)).toBeUndefined();
  });
});
