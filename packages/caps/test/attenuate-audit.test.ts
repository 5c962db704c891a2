import { describe, expect, it } from "vitest";
import { CellError } from "@padded-cell/membrane";
import { audited, summarizeArg, type AuditRecord } from "../src/attenuate/attenuate-audit.js";
import { callQuota } from "../src/attenuate/attenuate-quota.js";

const target = harden({
  read: (path: string) => `contents of ${path}`,
  fetch: async (_url: string) => new Uint8Array(10),
  deny: () => {
    throw new CellError("FS_DENIED", "Denied: write to /a.");
  },
  crash: async () => {
    throw new Error("disk on fire");
  },
});

describe("audited", () => {
  it("invariant 1: one record per call with outcome allowed / denied / failed", async () => {
    const records: AuditRecord[] = [];
    const a = audited(target, (r) => records.push(r), { name: "fs" });
    a.read("/a.txt");
    await a.fetch("http://x");
    expect(() => a.deny()).toThrow("Denied: write to /a.");
    await expect(a.crash()).rejects.toThrow("disk on fire");
    expect(records.map((r) => [r.capability, r.method, r.outcome, r.code])).toEqual([
      ["fs", "read", "allowed", undefined],
      ["fs", "fetch", "allowed", undefined],
      ["fs", "deny", "denied", "FS_DENIED"],
      ["fs", "crash", "failed", undefined],
    ]);
    expect(records[0]).toMatchObject({
      args: [{ type: "string", size: 6 }],
      bytes: 6 + "contents of /a.txt".length,
    });
    expect(records[1]).toMatchObject({ bytes: 8 + 10 });
    for (const r of records) {
      expect(Object.isFrozen(r)).toBe(true);
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
      expect(typeof r.time).toBe("number");
    }
  });

  it("records denials by inner attenuators", () => {
    const records: AuditRecord[] = [];
    const a = audited(callQuota(target, 1, { name: "fs" }), (r) => records.push(r), { name: "fs" });
    a.read("/x");
    expect(() => a.read("/y")).toThrow();
    expect(records.map((r) => [r.outcome, r.code])).toEqual([
      ["allowed", undefined],
      ["denied", "QUOTA_EXCEEDED"],
    ]);
  });

  it("invariant 2: arguments are summarised as type and size, never kept, never run", () => {
    let ran = false;
    const hostile = {
      get x() {
        ran = true;
        return 1;
      },
      toString() {
        ran = true;
        return "";
      },
    };
    const proxy = new Proxy(
      {},
      {
        get() {
          ran = true;
          return 1;
        },
        getPrototypeOf() {
          ran = true;
          return null;
        },
      },
    );
    const records: AuditRecord[] = [];
    const a = audited(harden({ take: (..._args: unknown[]) => undefined }), (r) => records.push(r));
    a.take(hostile, proxy, [1, 2, 3], new Uint16Array(4), 5, null, () => 1, new Error("e"), 7n);
    expect(records[0]!.args).toEqual([
      { type: "object" },
      { type: "proxy" },
      { type: "array", size: 3 },
      { type: "Uint16Array", size: 8 },
      { type: "number" },
      { type: "null" },
      { type: "function" },
      { type: "error" },
      { type: "bigint" },
    ]);
    expect(ran).toBe(false);
    expect(JSON.stringify(records[0]!.args)).not.toContain("toString");
    expect(summarizeArg("€")).toEqual({ type: "string", size: 3 });
  });

  it("invariant 5: the audited capability carries the original's data; its getters never run", () => {
    let ran = false;
    const cap = harden({
      read: () => "r",
      settings: { mode: "fast" },
      version: 3,
      get secret() {
        ran = true;
        return "x";
      },
    });
    const a = audited(cap, () => {}) as unknown as Record<string, unknown>;
    expect(Object.keys(a)).toEqual(["read", "settings", "version"]);
    expect(a.settings).toBe(cap.settings);
    expect(a.version).toBe(3);
    expect(Object.isFrozen(a)).toBe(true);
    expect(ran).toBe(false);
  });

  it("invariant 3: a throwing sink does not change the call", () => {
    const a = audited(target, () => {
      throw new Error("sink down");
    });
    expect(a.read("/a")).toBe("contents of /a");
  });
});
