// `pnpm demo`, the README's first command: the built entry runs the tour in
// a fresh Node process (which locks itself down) and exits 0.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir } from "../src/plugin-folder.js";
import { withoutNodeWarnings } from "./node-warnings.js";

describe("pnpm demo", () => {
  it("`pnpm demo` (the built entry) exits 0 with plain output when piped", async () => {
    const entry = join(examplesDir, "dist", "demo.js");
    if (!existsSync(entry))
      throw new Error("packages/examples/dist/demo.js is missing: run `pnpm build` (tsc -b) first");
    const child = spawn(process.execPath, [entry], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect({ code, err: withoutNodeWarnings(err) }).toEqual({ code: 0, err: "" });
    expect(out).not.toContain("\u001b");
    expect(out.match(/^ {2}✓ /gm)).toHaveLength(5);
  }, 30_000);
});
