// builtin-shims.ts: buffer, events, path, string_decoder and querystring are
// this cell's own instances (invariant 1), give what Node gives, at every
// level, and carry no host path or host memory (invariant 2).
import { Buffer as NodeBuffer } from "node:buffer";
import { EventEmitter as NodeEmitter } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { stringify } from "node:querystring";
import { StringDecoder } from "node:string_decoder";
import { describe, expect, test } from "vitest";
import { createHost, type Isolation } from "../src/index.js";
import { readShimSources } from "../src/module/builtin-shims.js";

const LEVELS: Isolation[] = ["compartment", "worker", "process"];

const PLUGIN = `
import { Buffer as B } from "node:buffer";
import EventEmitter, { EventEmitter as Named } from "events";
import path from "path";
import { StringDecoder } from "string_decoder";
import qs from "querystring";
export function main() {
  const e = new EventEmitter(); let got; e.once("x", (v) => (got = v)); e.emit("x", 42);
  return {
    hex: B.from("hi €").toString("hex"), globalIsTheSame: Buffer === B, named: Named === EventEmitter,
    b64: Buffer.from([1, 2, 3, 250]).toString("base64"), got, count: e.listenerCount("x"),
    joined: path.join("/a", "../b", "c.txt"), resolved: path.resolve("x"), parsed: path.parse("/d/e.md"),
    decoded: new StringDecoder("utf8").write(Buffer.from("€")), qs: qs.stringify({ a: 1, b: [2, 3] }),
    // Node's allocUnsafe may hand out pooled memory; the cell's is its own, zeroed.
    unsafeZeros: Buffer.allocUnsafe(65536).every((byte) => byte === 0),
  };
}`;

/** What Node itself answers to the same calls. */
const reference = () => {
  const e = new NodeEmitter();
  let got: unknown;
  e.once("x", (v: unknown) => (got = v));
  e.emit("x", 42);
  return {
    hex: NodeBuffer.from("hi €").toString("hex"),
    globalIsTheSame: true,
    named: true,
    b64: NodeBuffer.from([1, 2, 3, 250]).toString("base64"),
    got,
    count: e.listenerCount("x"),
    joined: posix.join("/a", "../b", "c.txt"),
    resolved: "/x", // the cell's working directory is its root
    parsed: posix.parse("/d/e.md"),
    decoded: new StringDecoder("utf8").write(NodeBuffer.from("€")),
    qs: stringify({ a: 1, b: [2, 3] }),
    unsafeZeros: true,
  };
};

const pluginFolder = async (files: Record<string, string>) => {
  const root = await mkdtemp(join(tmpdir(), "pc-shims-"));
  await writeFile(join(root, "package.json"), '{"name":"p","type":"module"}');
  for (const [name, text] of Object.entries(files)) await writeFile(join(root, name), text);
  return root;
};

describe("shimmed builtins", () => {
  test("give what Node gives, the same at every level", async () => {
    const root = await pluginFolder({ "index.js": PLUGIN });
    const host = await createHost();
    try {
      for (const isolation of LEVELS) {
        const cell = await host.createCell({ name: "shims", root, isolation });
        expect(JSON.parse(JSON.stringify(await cell.run("./index.js")))).toEqual(reference());
        await cell.revoke("done");
      }
    } finally {
      await host.close("done");
    }
  }, 60_000);

  test("each cell has its own: a change one cell makes is seen by neither another cell nor the host", async () => {
    const root = await pluginFolder({
      "taint.js": `import { Buffer } from "buffer"; import E from "events";
        export function main() { Buffer.prototype.tainted = 1; E.defaultMaxListeners = 99; return Buffer.from("a").tainted; }`,
      "look.js": `import { Buffer } from "buffer"; import E from "events";
        export function main() { return [Buffer.from("a").tainted, E.defaultMaxListeners]; }`,
    });
    const host = await createHost();
    try {
      const a = await host.createCell({ name: "a", root });
      const b = await host.createCell({ name: "b", root });
      expect(await a.run("./taint.js")).toBe(1);
      expect(await b.run("./look.js")).toEqual([undefined, 10]);
      expect((NodeBuffer.prototype as unknown as Record<string, unknown>).tainted).toBeUndefined();
      expect(NodeEmitter.defaultMaxListeners).toBe(10);
    } finally {
      await host.close("done");
    }
  });

  test("their sources are named by package-relative ids, never host paths (invariant 2)", () => {
    const sources = readShimSources();
    const ids = Object.keys(sources);
    expect(ids).toEqual(
      expect.arrayContaining(["buffer", "events", "path", "string_decoder", "querystring"]),
    );
    for (const file of Object.values(sources))
      for (const target of Object.values(file.requires)) expect(ids).toContain(target);
    for (const id of ids) expect(id.startsWith("/")).toBe(false);
  });

  test("other builtins stay denied, naming no shim", async () => {
    const root = await pluginFolder({
      "index.js": 'import "node:util"; export const main = () => 1;',
    });
    const host = await createHost();
    try {
      const cell = await host.createCell({ name: "denied", root });
      const err = await cell.run("./index.js").then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      );
      expect(err?.code).toBe("MODULE_DENIED");
    } finally {
      await host.close("done");
    }
  });
});
