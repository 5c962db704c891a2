// src/module-source-evasion.ts: invariant 1 (meaning is preserved; where it
// cannot be, the text is left for SES to reject) and invariant 2 (lines kept).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evadeSourceChecks } from "../src/module/module-source-evasion.js";

const evaluate = (source: string): unknown =>
  new (Compartment as any)({ __options__: true }).evaluate(source);

const alphabet = fc.constantFrom(
  "<!--",
  "-->",
  "import(",
  "import (",
  "import/*",
  "import//",
  "eval(",
  "eval (",
  ".eval(",
  "a",
  " ",
  "\\",
  "'",
  '"',
  "`",
  "${",
  "}",
  "\n",
  "-",
  "<",
  "!",
  ">",
  "(",
  "/",
  "*",
  "\u2028",
  "é",
);
const tricky = fc.array(alphabet, { maxLength: 12 }).map((parts) => parts.join(""));
const asTemplate = (s: string) =>
  "`" + s.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${") + "`";

describe("evadeSourceChecks", () => {
  it("invariant 1 (property): string literals keep their value and SES accepts them", () => {
    fc.assert(
      fc.property(tricky, fc.constantFrom("script" as const, "module" as const), (s, goal) => {
        const source = `(${JSON.stringify(s)})`;
        expect(evaluate(evadeSourceChecks(source, goal))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it("invariant 1 (property): untagged template literals keep their value", () => {
    fc.assert(
      fc.property(tricky, (s) => {
        expect(evaluate(evadeSourceChecks(`(${asTemplate(s)})`, "script"))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it("regular expressions without u/v keep matching the same text", () => {
    const source = 'const m = /<!--(.*?)-->/.exec("a <!--x--> b"); [m[1], /[<!-->]+/.test("-->")]';
    expect(evaluate(evadeSourceChecks(source, "script"))).toEqual(["x", true]);
  });

  it("comments are broken up; ES module code keeps its tokens", () => {
    const comments = "// <!-- import(x) eval(y) -->\n/* --> <!-- */ 1";
    expect(evaluate(evadeSourceChecks(comments, "script"))).toBe(1);
    const code = "let i = 3, n = 0; while (i-->0) n++; n";
    expect(evaluate(evadeSourceChecks(code, "module"))).toBe(3);
    // Class: `-->` after code on its line in CommonJS is `--` then `>`.
    const script = "var i = 3, n = 0;\nwhile (i-->0) n++;\nvar s = '-->'; n + s";
    expect(evaluate(evadeSourceChecks(script, "script"))).toBe("3-->");
  });

  it("invariant 1: what cannot be rewritten safely is left for SES to reject", () => {
    for (const [source, goal] of [
      ["String.raw`<!--`", "script"],
      ["/<!--/u.test('x')", "script"],
      ["import('fs')", "script"],
      ["eval('1')", "script"],
      ["let i = 1;\n--> 0", "script"],
      ["<!-- an HTML-like comment\nvar x = 1;", "script"],
    ] as const) {
      const evaded = evadeSourceChecks(source, goal);
      expect(evaded).toBe(source);
      expect(() => evaluate(evaded)).toThrow(SyntaxError);
    }
  });

  it("invariant 2: line structure is kept; clean or unparsable sources are returned as they are", () => {
    const source = 'const a = "<!--";\nconst b = `-->`;\n// import(\nconst c = 1;';
    const evaded = evadeSourceChecks(source, "module");
    expect(evaded.split("\n").length).toBe(source.split("\n").length);
    expect(evaded).toBe('const a = "<\\!--";\nconst b = `--\\>`;\n// import_(\nconst c = 1;');
    const clean = "const x = 1 < 2 && 3 > 2;";
    expect(evadeSourceChecks(clean, "module")).toBe(clean);
    const broken = 'const = "<!--"';
    expect(evadeSourceChecks(broken, "module")).toBe(broken);
  });
});
