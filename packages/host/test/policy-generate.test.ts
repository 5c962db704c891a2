// `policy generate`: audit records in, the smallest policy out.
import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import { generatePolicy } from "../src/policy/policy-generate.js";

const line = (
  cell: string,
  outcome: string,
  uses: { access: string; name: string }[] | undefined,
) =>
  JSON.stringify({
    time: 1,
    cell,
    grant: "g",
    method: "m",
    args: [],
    outcome,
    durationMs: 0,
    ...(uses ? { uses } : {}),
  });

describe("generatePolicy", () => {
  test("exactly the names used, per cell; writes cover reads; denied and use-less records left out (invariants 1, 2)", () => {
    const text = [
      line("md", "allowed", [{ access: "list", name: "/docs" }]),
      line("md", "allowed", [{ access: "list", name: "/assets" }]),
      line("md", "allowed", [{ access: "read", name: "/docs/a.md" }]),
      line("md", "failed", [{ access: "read", name: "/docs/missing.md" }]),
      line("md", "allowed", [{ access: "write", name: "/out" }]),
      line("md", "allowed", [{ access: "read", name: "/out/x.html" }]),
      line("md", "allowed", [{ access: "connect", name: "api.example.com:443" }]),
      line("md", "allowed", [{ access: "connect", name: "api.example.com:443" }]),
      line("md", "allowed", [{ access: "env", name: "LANG" }]),
      line("md", "allowed", [{ access: "run", name: "git" }]),
      line("md", "denied", [{ access: "read", name: "/etc-like/secret" }]),
      line("other", "allowed", [{ access: "connect", name: "[::1]:8080" }]),
      line("md", "allowed", undefined),
      "",
    ].join("\n");
    const result = generatePolicy(text, tmpdir());
    expect(result.policy).toEqual({
      plugins: {
        md: {
          // /docs was listed and holds a grant: no grant of its own. /assets was only listed.
          fs: { read: ["./assets", "./docs/a.md", "./docs/missing.md"], write: ["./out"] },
          net: ["api.example.com:443"],
          env: ["LANG"],
          run: ["git"],
        },
        other: { net: ["[::1]:8080"] },
      },
    });
    expect(result).toMatchObject({ used: 11, denied: 1, withoutUses: 1 });
    expect(Object.keys(generatePolicy(text, tmpdir(), "one").policy.plugins)).toEqual(["one"]);
  });

  test.each([
    ["not JSON", "{", "Audit line 1: not JSON"],
    ["an array", "[]", "not a record"],
    ["no cell", JSON.stringify({ outcome: "allowed", uses: [] }), "no valid `cell`"],
    [
      "a bad outcome",
      JSON.stringify({ cell: "a", outcome: "maybe", uses: [] }),
      "no valid `outcome`",
    ],
    [
      "a relative path",
      line("a", "allowed", [{ access: "read", name: "docs" }]),
      "not a cell path",
    ],
    [
      "a path climbing out",
      line("a", "allowed", [{ access: "read", name: "/../../etc" }]),
      "outside the working directory",
    ],
    ["an unknown kind", line("a", "allowed", [{ access: "exec", name: "x" }]), "unknown kind"],
    ["a forged env name", line("a", "allowed", [{ access: "env", name: "*" }]), "unknown kind"],
    [
      "a forged net entry",
      line("a", "allowed", [{ access: "connect", name: "a b:1" }]),
      "unknown kind",
    ],
    // A cell cannot widen a generated policy by planting wildcards with failing calls (invariant 1).
    [
      "a wildcard host",
      line("a", "failed", [{ access: "connect", name: "*:443" }]),
      "unknown kind",
    ],
    [
      "a wildcard suffix",
      line("a", "failed", [{ access: "connect", name: "*.com:443" }]),
      "unknown kind",
    ],
    [
      "a port range",
      line("a", "failed", [{ access: "connect", name: "a.com:1-65535" }]),
      "unknown kind",
    ],
    [
      "a CIDR",
      line("a", "failed", [{ access: "connect", name: "10.0.0.0/8:443" }]),
      "unknown kind",
    ],
  ])("refuses %s in the audit", (_what, text, message) => {
    expect(() => generatePolicy(text, tmpdir())).toThrow(message);
  });
});
