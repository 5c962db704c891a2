// Runs docs/getting-started.md as a reader would: runs the guide's project
// setup verbatim in a scratch copy of the repository's layout (a temporary
// folder whose packages/examples/node_modules is the real one, so the
// packages resolve exactly as inside the repository), writes every file
// block, runs every command block in a fresh Node process, and checks the
// output the guide shows. Nothing is written inside the repository.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { examplesDir } from "../src/plugin-folder.js";
import { readDocBlocks } from "./doc-blocks.js";
import { withoutNodeWarnings } from "./node-warnings.js";

const repo = join(examplesDir, "..", "..");
const guide = join(repo, "docs", "getting-started.md");
let scratch: string | undefined;

afterAll(() => (scratch ? rm(scratch, { recursive: true, force: true }) : undefined));

describe("docs/getting-started.md", async () => {
  const blocks = await readDocBlocks(guide);

  it("every block is a file, a command with its output, or setup", () => {
    expect(blocks.map((b) => b.kind)).toEqual([
      "setup",
      "setup",
      "file",
      "file",
      "file",
      "run",
      "output",
      "file",
      "file",
      "run",
      "output",
      "setup", // in your own app: run by packages/cli/test/install-e2e.test.ts
    ]);
  });

  it("the install commands are the workspace's own scripts", async () => {
    const scripts = (
      JSON.parse(await readFile(join(repo, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const first = blocks[0]?.text ?? "";
    for (const [, command] of first.matchAll(/pnpm@[\d.]+ (\w+)/g)) {
      if (command !== "install") expect(Object.keys(scripts)).toContain(command);
    }
    expect(scripts.demo).toContain("packages/examples/dist/demo.js");
  });

  it(
    "the project setup, every file and every command work as shown",
    { timeout: 60_000 },
    async () => {
      scratch = await mkdtemp(join(tmpdir(), "padded-cell-getting-started-"));
      await mkdir(join(scratch, "packages", "examples"), { recursive: true });
      await symlink(
        join(examplesDir, "node_modules"),
        join(scratch, "packages", "examples", "node_modules"),
      );
      // The second setup block, verbatim; after its last line (cd), pwd says where the project is.
      const setup = `${blocks[1]?.text ?? ""}\npwd`;
      const made = spawnSync("bash", ["-euc", setup], { cwd: scratch, encoding: "utf8" });
      expect(made.stderr).toBe("");
      const project = made.stdout.trim();
      expect(project).toBe(join(await realpath(scratch), "packages", "examples", "my-host"));
      for (const block of blocks.filter((b) => b.kind === "file")) {
        const target = join(project, block.path ?? "");
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, `${block.text}\n`);
      }
      for (const block of blocks.filter((b) => b.kind === "run")) {
        const run = spawnSync("bash", ["-euc", block.text], {
          cwd: project,
          encoding: "utf8",
          timeout: 15_000,
        });
        expect({
          command: block.text,
          stderr: withoutNodeWarnings(run.stderr),
          status: run.status,
        }).toEqual({
          command: block.text,
          stderr: "",
          status: 0,
        });
        expect(run.stdout.trimEnd()).toBe(block.output);
      }
    },
  );
});
