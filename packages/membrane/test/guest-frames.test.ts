// error-copy.ts, invariant 1: a guest error's copy for the host keeps only
// the frames the host's `guestFrames` picked, bounded; a copy towards the
// guest never has any.
import { describe, expect, test } from "vitest";
import { makeMembrane } from "../src/index.js";
import { guest } from "./support.js";

const thrownBy = (membrane: ReturnType<typeof makeMembrane>, source: string): Error => {
  try {
    guest({})(source);
  } catch (e) {
    return membrane.thrownToHost(e) as Error;
  }
  throw new Error("the guest did not throw");
};

describe("guestFrames", () => {
  test("the copy's stack is its first line and the picked frames", () => {
    const membrane = makeMembrane("frames", {
      guestFrames: () => ["at main (file:///plugin/a.js:1:2)"],
    });
    const copy = thrownBy(membrane, "throw new TypeError('bad')");
    expect(copy.stack).toBe("TypeError: bad\n    at main (file:///plugin/a.js:1:2)");
  });

  test("without it, or when it throws or answers oddly, the stack is the first line", () => {
    const pickers = [
      undefined,
      () => {
        throw new Error("picker failed");
      },
      () => [42, "x".repeat(301), { toString: () => "at evil" }] as unknown as string[],
    ];
    for (const guestFrames of pickers) {
      const membrane = makeMembrane("frames", guestFrames === undefined ? {} : { guestFrames });
      expect(thrownBy(membrane, "throw new Error('bad')").stack).toBe("Error: bad");
    }
  });

  test("at most ten frames are kept", () => {
    const many = Array.from({ length: 50 }, (_, i) => `at f${i} (file:///plugin/a.js:${i}:1)`);
    const membrane = makeMembrane("frames", { guestFrames: () => many });
    const lines = (thrownBy(membrane, "throw new Error('bad')").stack ?? "").split("\n");
    expect(lines).toHaveLength(11);
  });

  test("a host error copied towards the guest carries no frames, picked or not", () => {
    const membrane = makeMembrane("frames", {
      guestFrames: () => ["at main (file:///plugin/a.js:1:2)"],
    });
    const run = guest({
      fail: membrane.wrap(() => {
        throw new Error("host failure at /srv/app.js");
      }),
    });
    expect(run("try { fail() } catch (e) { e.stack }")).toBe("Error: host failure at <host path>");
  });

  test("a guestFrames that is not a function is refused", () => {
    expect(() => makeMembrane("frames", { guestFrames: "all" as never })).toThrow(
      expect.objectContaining({ code: "MEMBRANE_BAD_ARGUMENT" }),
    );
  });
});
