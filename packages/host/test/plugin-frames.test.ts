// plugin-frames.ts: only frames in the plugin's own files pass (invariant 1),
// read without running the error owner's code (invariant 2); and what a cell
// throws reaches the host with those frames, at every level, while a host
// error handed to a cell shows it none of the host's.
import fc from "fast-check";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHost, type Isolation } from "../src/index.js";
import { pluginFrames, pluginFramesOf, PLUGIN_FRAME_LIMIT } from "../src/module/plugin-frames.js";

describe("pluginFrames", () => {
  it("keeps frames at plugin locations, in both of V8's spellings, and nothing else", () => {
    const stack = [
      "TypeError: x",
      "    at main (file:///plugin/index.js:4:14)",
      "    at file:///plugin/node_modules/a/b.js:1:2",
      "    at run (/srv/host/app.js:10:3)",
      "    at Proxy.apply (file:///srv/host/node_modules/@padded-cell/membrane/dist/x.js:1:1)",
      "    at async Promise.all (index 0)",
      "    at f (file:///plugin/a.js:1:1) (/srv/host.js:1:1)",
      "    at g (file:///pluginx/a.js:1:1)",
    ].join("\n");
    expect(pluginFrames(stack)).toEqual([
      "at main (file:///plugin/index.js:4:14)",
      "at file:///plugin/node_modules/a/b.js:1:2",
    ]);
  });

  it("property: no frame that passes names a location outside the plugin", () => {
    const segment = fc.stringMatching(/^[a-z./@-]{1,12}$/);
    const location = fc.oneof(
      fc.tuple(segment, fc.nat(), fc.nat()).map(([p, l, c]) => `file:///plugin/${p}:${l}:${c}`),
      fc.tuple(segment, fc.nat()).map(([p, l]) => `/srv/${p}:${l}:1`),
      fc.tuple(segment, fc.nat()).map(([p, l]) => `file:///srv/${p}:${l}:1`),
      fc.constant("node:internal/x:1:1"),
    );
    const frame = fc
      .tuple(fc.option(fc.string({ maxLength: 20 })), location, fc.option(location))
      .map(([fn, loc, extra]) =>
        fn === null
          ? `    at ${loc}`
          : `    at ${fn} (${loc})${extra === null ? "" : ` (${extra})`}`,
      );
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 30 }), (frames) => {
        const kept = pluginFrames(["Error: x", ...frames].join("\n"));
        expect(kept.length).toBeLessThanOrEqual(PLUGIN_FRAME_LIMIT);
        for (const f of kept) {
          expect(f).not.toMatch(/\/srv\/|node:internal/);
          expect(f).toMatch(/file:\/\/\/plugin\/[^\s()]+:\d+:\d+\)?$/);
        }
      }),
    );
  });

  it("reads no getter and no proxy: a hostile stack is not run", () => {
    let ran = false;
    const e = new Error("x");
    Object.defineProperty(e, "stack", {
      get() {
        ran = true;
        return "Error: x\n    at main (file:///plugin/a.js:1:1)";
      },
    });
    expect(pluginFramesOf(e)).toEqual([]);
    const proxy = new Proxy(new Error("y"), {
      getOwnPropertyDescriptor() {
        ran = true;
        return undefined;
      },
    });
    expect(pluginFramesOf(proxy)).toEqual([]);
    expect(ran).toBe(false);
  });
});

const LEVELS: Isolation[] = ["compartment", "worker", "process"];

describe.each(LEVELS)("what a cell throws, at %s level", (isolation) => {
  it("reaches the host with the plugin's frames; a host error the cell catches shows it no host frame", async () => {
    const root = await mkdtemp(join(tmpdir(), "pc-frames-"));
    await writeFile(join(root, "package.json"), '{"name":"p","type":"module"}');
    await writeFile(
      join(root, "index.js"),
      [
        "export async function main(caps) {",
        "  const denied = await caps.svc.fail().then(() => '', (e) => String(e.stack));",
        "  if (denied.includes('/') && !denied.includes('file:///plugin/')) return denied;",
        "  if (/\\/srv|node:|dist\\//.test(denied)) return denied;",
        "  const x = null;",
        "  return x.y;",
        "}",
      ].join("\n"),
    );
    const host = await createHost();
    const cell = await host.createCell({
      name: "p",
      root,
      isolation,
      grants: {
        svc: harden({
          fail: async () => {
            throw new Error("host failure");
          },
        }),
      },
    });
    try {
      const err = await cell.run("./index.js").then(
        (v) => v,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(Error);
      const { stack } = err as Error;
      expect(stack).toContain("\n    at main (file:///plugin/index.js:6:12)");
      expect(stack).not.toContain(root);
    } finally {
      await cell.revoke("done");
      await host.close("done");
    }
  });
});
