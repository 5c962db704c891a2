// `cell.run("index.js")` names a package, as an import would; the refusal
// says how to name the plugin's own file, at every level, and a specifier
// that does not read like a file gets no such hint.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHost, type Isolation } from "../src/index.js";

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message?: string },
  );

describe.each<Isolation>(["compartment", "worker"])(
  "run with a bare file name (%s)",
  (isolation) => {
    it("is refused as a package, with the relative spelling to use", async () => {
      const root = await mkdtemp(join(tmpdir(), "pc-run-hint-"));
      await writeFile(join(root, "index.js"), "export const main = () => 'ran';");
      const host = await createHost();
      const cell = await host.createCell({ name: "p", root, isolation });
      try {
        const err = await refusal(cell.run("index.js"));
        expect(err?.code).toBe("MODULE_DENIED");
        expect(err?.message).toContain('write "./index.js"');
        expect(await cell.run("./index.js")).toBe("ran");
        const pkg = await refusal(cell.run("left-pad"));
        expect(pkg?.code).toBe("MODULE_DENIED");
        expect(pkg?.message).not.toContain("./left-pad");
      } finally {
        await cell.revoke("done");
        await host.close("done");
      }
    });
  },
);
