import { describe, expect, it } from "vitest";
import { allowMethods } from "../src/attenuate/attenuate-methods.js";

const notes = () =>
  harden({ read: () => "text", write: (_s: string) => undefined, list: () => ["a"] });

describe("allowMethods", () => {
  it("invariant 1: keeps only the listed methods; others are absent", () => {
    const ro = allowMethods(notes(), ["read", "list"], { name: "notes" });
    expect(Object.keys(ro).sort()).toEqual(["list", "read"]);
    expect(ro.read()).toBe("text");
    expect((ro as Record<string, unknown>).write).toBeUndefined();
  });

  it("invariant 2: naming a missing or hidden method cannot widen", () => {
    const ro = allowMethods(notes(), ["read"], { name: "notes" });
    expect(() =>
      allowMethods(ro as ReturnType<typeof notes>, ["read", "write"], { name: "notes" }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Denied: notes has no method write to allow (attenuation only narrows).]`,
    );
    expect(() => allowMethods(ro as ReturnType<typeof notes>, ["write"])).toThrow(
      expect.objectContaining({ code: "ATTENUATE_WIDEN_DENIED" }),
    );
  });

  it("rejects non-array or non-string method lists without coercing", () => {
    let ran = false;
    const hostile = {
      toString() {
        ran = true;
        return "read";
      },
    };
    expect(() => allowMethods(notes(), "read" as unknown as ["read"])).toThrow(
      expect.objectContaining({ code: "ATTENUATE_INVALID_OPTION" }),
    );
    expect(() => allowMethods(notes(), [hostile as unknown as "read"])).toThrow(
      expect.objectContaining({ code: "ATTENUATE_INVALID_OPTION" }),
    );
    expect(ran).toBe(false);
  });
});
