// The guided tour: every example runs and the output is readable when piped.
import { describe, expect, it } from "vitest";
import { runTour } from "../src/tour.js";

describe("guided tour", () => {
  it("runs the five examples in turn and ends with a summary", async () => {
    let text = "";
    const steps = await runTour({ isTTY: false, write: (chunk: string) => (text += chunk) });
    expect(steps.map((s) => [s.title, s.ok])).toEqual([
      ["Static-site builder", true],
      ["Chat-bot host", true],
      ["Untrusted-script runner", true],
      ["Nested cells", true],
      ["Capabilities inside an app", true],
    ]);
    for (const step of steps) expect(step.denied).toBeGreaterThan(0);
    expect(text).not.toContain("\u001b");
    expect(text).toContain("Summary");
    expect(text).toContain("Every plugin did its job");
  }, 30_000);
});
