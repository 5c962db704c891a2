// Runs every TypeScript snippet of the guides written as prose
// (docs/concepts.md, docs/security-model.md): each is a module that asserts
// what the guide says, imported here in a realm locked down like a host's.
// Also checks that every error code those guides name exists.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { membraneErrorCodes } from "@padded-cell/membrane";
import { fsErrorCodes, miscErrorCodes, netErrorCodes } from "@padded-cell/caps";
import {
  hostErrorCodes,
  moduleErrorCodes,
  policyErrorCodes,
  wallErrorCodes,
} from "@padded-cell/host";
import { readFile } from "node:fs/promises";
import { examplesDir } from "../src/plugin-folder.js";
import { readDocBlocks } from "./doc-blocks.js";

const docs = join(examplesDir, "..", "..", "docs");
const scratch = join(tmpdir(), `padded-cell-snippets-${process.pid}`);
const guides = ["concepts.md", "security-model.md"];
const knownCodes = new Set(
  [
    membraneErrorCodes,
    fsErrorCodes,
    netErrorCodes,
    miscErrorCodes,
    hostErrorCodes,
    moduleErrorCodes,
    wallErrorCodes,
    policyErrorCodes,
  ].flatMap((table) => Object.keys(table)),
);

afterAll(() => rm(scratch, { recursive: true, force: true }));

describe.each(guides)("docs/%s", async (guide) => {
  const blocks = await readDocBlocks(join(docs, guide));

  it("has only snippets, each run below", () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.every((b) => b.kind === "snippet" && b.lang === "ts")).toBe(true);
  });

  it.each(blocks.map((b) => [b.line, b.text] as const))(
    "snippet at line %i runs",
    async (line, text) => {
      await mkdir(scratch, { recursive: true });
      const file = join(scratch, `${guide.replace(".md", "")}-${line}.ts`);
      await writeFile(file, text);
      await import(pathToFileURL(file).href);
    },
  );

  it("names only error codes that exist", async () => {
    const text = await readFile(join(docs, guide), "utf8");
    const named = [...text.matchAll(/`([A-Z][A-Z0-9]*_[A-Z0-9_]+|REVOKED)`/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    for (const code of named) expect(knownCodes, code).toContain(code);
  });
});
