// The tour's output: colour only on a terminal, and text from a cell cannot
// drive the terminal. Invariant numbers refer to src/tour-output.ts.
import { describe, expect, it } from "vitest";
import { makeTerminalNarrator, plainText, toDenial, wrapWords } from "../src/tour-output.js";

const capture = (isTTY: boolean) => {
  let text = "";
  return { stream: { isTTY, write: (chunk: string) => (text += chunk) }, text: () => text };
};

describe("tour output", () => {
  it("invariant 1: piped output is plain text", async () => {
    const out = capture(false);
    const narrator = makeTerminalNarrator(out.stream);
    narrator.section("1. Example", "what it shows");
    narrator.grant("p", "fs");
    narrator.denied("p", "read /x", { code: "FS_OUTSIDE_ROOT", message: "no" });
    expect(await narrator.progress("slow work", async () => 42)).toBe(42);
    expect(out.text()).not.toContain("\u001b");
    expect(out.text()).toContain("denied p: read /x");
    expect(out.text()).toContain("FS_OUTSIDE_ROOT: no");
    expect(out.text()).toContain("…      slow work");
  });

  it("invariant 1: a terminal gets colour and a spinner", async () => {
    const out = capture(true);
    const narrator = makeTerminalNarrator(out.stream, { colour: true });
    narrator.did("p", "rendered");
    await narrator.progress("slow work", async () => undefined);
    expect(out.text()).toContain("\u001b[32m");
    expect(out.text()).toContain("\r\u001b[2K");
  });

  it("invariant 2: escape sequences in a cell's message never reach the terminal", () => {
    const out = capture(true);
    const narrator = makeTerminalNarrator(out.stream, { colour: false });
    const hostile = "\u001b]0;owned\u0007\u001b[2J\u009b31mred\rX";
    narrator.denied("p", hostile, { code: "E", message: hostile });
    narrator.note(hostile);
    // eslint-disable-next-line no-control-regex -- the point of the test
    expect(out.text()).not.toMatch(/[\u001b\u0007\u009b\r]/);
    expect(plainText("a\tb\nc\u0000")).toBe("a\tb\nc");
  });

  it("reads code and message from anything thrown", () => {
    expect(toDenial(Object.assign(new Error("m"), { code: "X" }))).toEqual({
      code: "X",
      message: "m",
    });
    expect(toDenial("plain")).toEqual({ code: "ERROR", message: "plain" });
    expect(toDenial(null)).toEqual({ code: "ERROR", message: "null" });
  });
});

describe("wrapWords: the tour wraps on words at the terminal's width", () => {
  it("no line is wider than the width, no word is broken, colour takes no columns", () => {
    const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
    const text = `  \u001b[31mdenied\u001b[0m snoop: ${"alpha beta gamma delta ".repeat(8)}`;
    const wrapped = wrapWords(text, 30, "         ");
    const plain = wrapped.replace(ANSI, "");
    for (const row of plain.split("\n")) expect(row.length).toBeLessThanOrEqual(30);
    expect(plain.replace(/\s+/g, " ").trim()).toBe(
      text.replace(ANSI, "").replace(/\s+/g, " ").trim(),
    );
    expect(plain.split("\n").length).toBeGreaterThan(1);
  });
});
