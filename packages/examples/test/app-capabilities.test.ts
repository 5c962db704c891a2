// Capabilities inside an app: a revocable, read-only, audited view.
// Invariant numbers refer to src/app-capabilities.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { runAppCapabilities, type AppCapabilitiesResult } from "../src/app-capabilities.js";
import { makeRecordingNarrator } from "../src/tour-output.js";

let result: AppCapabilitiesResult;

beforeAll(async () => {
  result = await runAppCapabilities({ narrator: makeRecordingNarrator() });
});

describe("app-capabilities example", () => {
  it("the reporting module does its job with the reader", () => {
    expect(result.report.low).toEqual(["B2", "C3"]);
  });

  it("invariant 1: the view has no setStock", () => {
    expect(result.report.canChangeStock).toBe(false);
  });

  it("invariant 2: a write through the read-only settings view fails and changes nothing", () => {
    expect(result.report.settingsWrite.code).toBe("MEMBRANE_READ_ONLY");
    expect(result.lowStockBelow).toBe(5);
  });

  it("invariant 3: the audit log shows every call, and the call after revoke as denied", () => {
    expect(result.afterRevoke.code).toBe("REVOKED");
    expect(
      result.audit.map((r) => `${r.capability}.${r.method}: ${r.outcome} ${r.code ?? ""}`.trim()),
    ).toEqual([
      "inventory.list: allowed",
      "inventory.get: allowed",
      "inventory.list: denied REVOKED",
    ]);
    // Arguments are summarised, never kept.
    expect(result.audit[1]?.args).toEqual([{ type: "string", size: 2 }]);
  });
});
