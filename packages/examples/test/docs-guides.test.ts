// The guides as a set: every guide in docs/ is on the site (docs/Guides.md
// lists it), every link between guides leads to a guide, and the
// Performance guide describes the benchmarks that exist, in the format
// bench/run.js prints.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { examplesDir } from "../src/plugin-folder.js";
import { readDocBlocks } from "./doc-blocks.js";

const repo = join(examplesDir, "..", "..");
const docs = join(repo, "docs");

const guideFiles = async () =>
  (await readdir(docs)).filter((f) => f.endsWith(".md") && f !== "index.md" && f !== "Guides.md");

const siteChildren = async (): Promise<Record<string, string>> => {
  const text = await readFile(join(docs, "Guides.md"), "utf8");
  const front = /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1];
  if (front === undefined) throw new Error("docs/Guides.md has no frontmatter");
  return (parseYaml(front) as { children: Record<string, string> }).children;
};

describe("the guides", () => {
  it("every guide in docs/ is a page of the site, and every page is a guide", async () => {
    const children = Object.values(await siteChildren());
    expect([...children].sort()).toEqual((await guideFiles()).sort());
  });

  it("the Guides page's table links every guide, in the site's order", async () => {
    const text = await readFile(join(docs, "Guides.md"), "utf8");
    const linked = [...text.matchAll(/^\| \[[^\]]+\]\(([\w-]+\.md)\)/gm)].map((m) => m[1]);
    expect(linked).toEqual(Object.values(await siteChildren()));
  });

  it("every relative link in the docs leads to a file that exists", async () => {
    const files = new Set(await readdir(docs));
    for (const file of files) {
      if (!file.endsWith(".md")) continue;
      // Links only: code blocks and code spans are not links.
      const text = (await readFile(join(docs, file), "utf8"))
        .replace(/^```[\s\S]*?^```/gm, "")
        .replace(/`[^`\n]*`/g, "");
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (target === undefined || /^[a-z]+:/.test(target)) continue;
        expect(files, `${file} links to ${target}`).toContain(target);
      }
    }
  });
});

describe("docs/index.md (the site's home page)", () => {
  it("its one command is the README's first: install, then the demo script", async () => {
    const blocks = await readDocBlocks(join(docs, "index.md"));
    expect(blocks.map((b) => b.kind)).toEqual(["setup"]);
    expect(blocks[0]?.text).toMatch(
      /^npx --yes pnpm@[\d.]+ install && npx --yes pnpm@[\d.]+ demo$/,
    );
    const readme = await readFile(join(repo, "README.md"), "utf8");
    expect(readme).toContain(blocks[0]?.text);
  });
});

describe("docs/performance.md", async () => {
  const blocks = await readDocBlocks(join(docs, "performance.md"));
  const benchFiles = (await readdir(join(repo, "bench")))
    .filter((f) => f.endsWith(".js") && f !== "run.js" && f !== "measure.js")
    .sort();

  it("has the commands and a sample line, nothing untested", () => {
    expect(blocks.map((b) => b.kind)).toEqual(["setup", "sample"]);
  });

  it("the commands run the workspace's bench script, with filters that match a benchmark", async () => {
    const scripts = (
      JSON.parse(await readFile(join(repo, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts.bench).toContain("bench/run.js");
    for (const [, filter] of (blocks[0]?.text ?? "").matchAll(/pnpm@[\d.]+ bench +(\w*)/g)) {
      if (filter) expect(benchFiles.some((f) => f.includes(filter))).toBe(true);
    }
  });

  it("describes every benchmark file, and only those", async () => {
    const text = await readFile(join(docs, "performance.md"), "utf8");
    const described = [...text.matchAll(/^\| `bench\/([\w-]+\.js)`/gm)].map((m) => m[1]).sort();
    expect(described).toEqual(benchFiles);
  });

  it("the sample line has the format bench/run.js prints", async () => {
    const line = blocks[1]?.text ?? "";
    const m =
      /^(.+?) +([\d.]+) (\S+) *(\[[\d.]+ … [\d.]+\]) +baseline +([\d.]+) {2}ratio +([\d.]+) {2}goal (.+)$/.exec(
        line,
      );
    expect(m).not.toBeNull();
    const [, name, value, unit, spread, baseline, ratio, goal] = m as unknown as string[];
    // The same formatting as bench/run.js.
    const printed =
      `${(name as string).padEnd(84)} ${(value as string).padStart(10)} ${(unit as string).padEnd(7)}${` ${spread as string}`.padEnd(26)} ` +
      `baseline ${(baseline as string).padStart(10)}  ratio ${(ratio as string).padStart(8)}  goal ${goal as string}`;
    expect(line).toBe(printed);
    expect(await readFile(join(repo, "bench", "run.js"), "utf8")).toContain("row.name.padEnd(84)");
  });
});
