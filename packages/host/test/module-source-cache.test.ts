// src/module-source-cache.ts: invariant 1 (hardened records), 2 (keyed by
// location and full source) and 3 (bounded memory).
import { describe, expect, it } from "vitest";
import { makeModuleSourceCache } from "../src/module/module-source-cache.js";

describe("module source cache", () => {
  it("invariant 1: stores and returns hardened records", () => {
    const cache = makeModuleSourceCache({ maxEntries: 4, maxChars: 1000 });
    const record = { imports: ["./a.js"], nested: { x: 1 } };
    cache.set("file:///plugin/a.js", "export {};", record);
    const hit = cache.get("file:///plugin/a.js", "export {};") as typeof record;
    expect(hit).toBe(record);
    expect(
      Object.isFrozen(hit) && Object.isFrozen(hit.imports) && Object.isFrozen(hit.nested),
    ).toBe(true);
  });

  it("invariant 2: a different location or a changed source is a miss", () => {
    const cache = makeModuleSourceCache({ maxEntries: 4, maxChars: 1000 });
    cache.set("file:///plugin/a.js", "export const a = 1;", {});
    expect(cache.get("file:///plugin/b.js", "export const a = 1;")).toBeUndefined();
    expect(cache.get("file:///plugin/a.js", "export const a = 2;")).toBeUndefined();
    // The separator cannot be forged: location and source do not run together.
    cache.set("file:///plugin/x", "\u0000y", {});
    expect(cache.get("file:///plugin/x\u0000", "y")).toBeUndefined();
  });

  it("invariant 3: evicts the oldest entries past either bound; oversized sources are not stored", () => {
    const cache = makeModuleSourceCache({ maxEntries: 2, maxChars: 100 });
    cache.set("l1", "a", {});
    cache.set("l2", "b", {});
    cache.set("l3", "c", {});
    expect(cache.size()).toBe(2);
    expect(cache.get("l1", "a")).toBeUndefined();
    expect(cache.get("l3", "c")).toBeDefined();
    // Keys cost about 5 chars each here; this one pushes past 100.
    cache.set("l4", "x".repeat(90), {});
    expect(cache.size()).toBe(2);
    expect(cache.get("l2", "b")).toBeUndefined();
    expect(cache.get("l3", "c")).toBeDefined();
    expect(cache.get("l4", "x".repeat(90))).toBeDefined();
    cache.set("l5", "y".repeat(200), {});
    expect(cache.get("l5", "y".repeat(200))).toBeUndefined();
  });
});
