// The Error codes page is generated from the packages' error tables; this
// test fails when docs/error-codes.md is stale. Invariant numbers refer to
// src/error-codes-page.ts.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import { membraneErrorCodes } from "@padded-cell/membrane";
import { fsErrorCodes, miscErrorCodes, netErrorCodes } from "@padded-cell/caps";
import { cliExitCodes } from "@padded-cell/cli";
import {
  hostErrorCodes,
  moduleErrorCodes,
  policyErrorCodes,
  wallErrorCodes,
} from "@padded-cell/host";
import * as membranePackage from "@padded-cell/membrane";
import * as capsPackage from "@padded-cell/caps";
import * as hostPackage from "@padded-cell/host";
import { renderErrorCodesPage, type ErrorTable } from "../src/error-codes-page.js";
import { examplesDir } from "../src/plugin-folder.js";

// The same list as scripts/generate-error-codes.mjs, read from the sources.
const tables: ErrorTable[] = [
  {
    packageName: "@padded-cell/membrane",
    exportName: "membraneErrorCodes",
    codes: membraneErrorCodes,
  },
  { packageName: "@padded-cell/caps", exportName: "fsErrorCodes", codes: fsErrorCodes },
  { packageName: "@padded-cell/caps", exportName: "netErrorCodes", codes: netErrorCodes },
  { packageName: "@padded-cell/caps", exportName: "miscErrorCodes", codes: miscErrorCodes },
  { packageName: "@padded-cell/host", exportName: "hostErrorCodes", codes: hostErrorCodes },
  { packageName: "@padded-cell/host", exportName: "moduleErrorCodes", codes: moduleErrorCodes },
  { packageName: "@padded-cell/host", exportName: "wallErrorCodes", codes: wallErrorCodes },
  { packageName: "@padded-cell/host", exportName: "policyErrorCodes", codes: policyErrorCodes },
];

const pagePath = join(examplesDir, "..", "..", "docs", "error-codes.md");
const generatorPath = join(examplesDir, "..", "..", "scripts", "generate-error-codes.mjs");

describe("Error codes page", () => {
  it("docs/error-codes.md matches the error tables (else run the generator)", async () => {
    const expected = await prettier.format(renderErrorCodesPage(tables, cliExitCodes), {
      ...(await prettier.resolveConfig(pagePath)),
      filepath: pagePath,
    });
    const committed = await readFile(pagePath, "utf8");
    expect(
      committed === expected,
      "docs/error-codes.md is stale: run `pnpm build && node scripts/generate-error-codes.mjs`",
    ).toBe(true);
  });

  it("the generator lists exactly the tables this test checks", async () => {
    const script = await readFile(generatorPath, "utf8");
    for (const t of tables) expect(script).toContain(`"${t.packageName}", "${t.exportName}"`);
    expect(script.match(/ErrorCodes\]/g)).toHaveLength(tables.length);
  });

  it("no error table of a package is left out", () => {
    const exported = [membranePackage, capsPackage, hostPackage].flatMap((ns) =>
      Object.keys(ns).filter((name) => name.endsWith("ErrorCodes")),
    );
    expect(exported.sort()).toEqual(tables.map((t) => t.exportName).sort());
  });

  it("invariant 1: every code of every table appears once in its table's section", () => {
    const page = renderErrorCodesPage(tables, cliExitCodes);
    for (const t of tables) {
      const section = page.split(`## ${t.exportName}\n`)[1]?.split("\n## ")[0] ?? "";
      for (const code of Object.keys(t.codes)) {
        expect(section.split(`| \`${code}\` |`)).toHaveLength(2);
      }
    }
    expect(page).toContain("| `DENIED` | 3 |");
  });

  it("invariant 2: a pipe or line break in a table's text cannot break the Markdown table", () => {
    const page = renderErrorCodesPage(
      [
        {
          packageName: "p",
          exportName: "xErrorCodes",
          codes: { X: { cause: "a | b\nc", mitigation: "d" } },
        },
      ],
      {},
    );
    expect(page).toContain("| `X` | `p` | a \\| b c | d |");
  });
});
