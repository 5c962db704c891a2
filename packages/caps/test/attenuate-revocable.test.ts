import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { revocable } from "../src/attenuate/attenuate-revocable.js";
import { expiresAt } from "../src/attenuate/attenuate-expiry.js";
import { useTimes } from "../src/attenuate/attenuate-uses.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Make a target reachable only through `wrap`, and report whether it was collected. */
const collectedAfter = async (
  wrap: (target: object) => { use(): void; cut(): void },
): Promise<boolean> => {
  let ref: WeakRef<object> | undefined;
  const holder = (() => {
    const target = harden({ read: () => "r", payload: () => new Uint8Array(1024) });
    ref = new WeakRef(target);
    return wrap(target);
  })();
  holder.use();
  holder.cut();
  for (let i = 0; i < 10 && ref!.deref() !== undefined; i += 1) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
  }
  // keep the wrapper itself alive until after the collection attempt
  expect(holder).toBeDefined();
  return ref!.deref() === undefined;
};

describe("revocable", () => {
  it("invariant 1: after revoke every method throws REVOKED naming the capability and reason", () => {
    const { cap, revoke } = revocable(harden({ read: () => "r", write: () => "w" }), {
      name: "notes",
    });
    expect(cap.read()).toBe("r");
    revoke("plugin disabled");
    expect(() => cap.read()).toThrowErrorMatchingInlineSnapshot(
      `[CellError: notes was revoked (plugin disabled).]`,
    );
    expect(() => cap.write()).toThrow(expect.objectContaining({ code: "REVOKED" }));
    revoke("again"); // idempotent; the first reason stays
    expect(() => cap.read()).toThrow("notes was revoked (plugin disabled).");
  });

  it("invariant 2: revoke drops the target so it can be collected", async () => {
    const collected = await collectedAfter((target) => {
      const r = revocable(target as { read(): string });
      return { use: () => void r.cap.read(), cut: () => r.revoke("gone") };
    });
    expect(collected).toBe(true);
  });

  it("control: an unrevoked wrapper keeps its target alive", async () => {
    const collected = await collectedAfter((target) => {
      const r = revocable(target as { read(): string });
      return { use: () => void r.cap.read(), cut: () => undefined };
    });
    expect(collected).toBe(false);
  });

  it("spent and expired wrappers drop their targets too", async () => {
    expect(
      await collectedAfter((target) => {
        const u = useTimes(target as { read(): string }, 1);
        return { use: () => void u.read(), cut: () => undefined };
      }),
    ).toBe(true);
    let now = 0;
    expect(
      await collectedAfter((target) => {
        const e = expiresAt(target as { read(): string }, 10, { clock: { now: () => now } });
        return {
          use: () => void e.read(),
          cut: () => {
            now = 20;
            expect(() => e.read()).toThrow(expect.objectContaining({ code: "EXPIRED" }));
          },
        };
      }),
    ).toBe(true);
  });

  it("invariant 3: the cell-facing cap has no revoke and no way back", () => {
    const r = revocable(harden({ read: () => "r" }));
    expect(Object.keys(r.cap)).toEqual(["read"]);
    expect(Object.isFrozen(r)).toBe(true);
  });
});
