// One passing semantics, two walls: the same plugin source gives the same
// results and the same errors in a worker thread and in a child process.
import { describe, expect, it } from "vitest";
import { startWall, type WallKind } from "../src/index.js";

const plugin = `
export const main = async (caps) => {
  const out = [];
  out.push(await caps.kv.get("a"));
  out.push(await caps.kv.get("bytes"));
  for (const key of ["missing", "boom"]) {
    try { await caps.kv.get(key); } catch (e) { out.push({ name: e.name, message: e.message, code: e.code }); }
  }
  const sub = await caps.kv.sub("ns");
  out.push(await sub.get("x"));
  out.push(Object.keys(caps), Object.keys(caps.kv).sort(), await caps.double(21), caps.config);
  out.push(new TextDecoder().decode(new TextEncoder().encode("ünï")), new URL("/p?q=1", "https://example.test").href);
  try { null.x; } catch (e) { out.push({ name: e.name }); }
  return harden(out);
};
export const fails = async () => { throw new RangeError("plugin says no"); };
`;

const makeKv = (prefix = ""): object =>
  harden({
    get: async (key: string) => {
      if (key === "missing") {
        const err = new Error(`Not found: ${prefix}/${key}`) as Error & { code: string };
        err.name = "CellError";
        err.code = "KV_NOT_FOUND";
        throw err;
      }
      if (key === "boom") throw new TypeError("bad key");
      if (key === "bytes") return new Uint8Array([1, 2, 3]);
      return { key: `${prefix}/${key}`, n: 1n };
    },
    sub: async (name: string) => makeKv(`${prefix}/${name}`),
  });

const runAt = async (kind: WallKind) => {
  const wall = await startWall({
    kind,
    name: "parity",
    grants: { kv: makeKv(), double: async (n: number) => n * 2, config: harden({ mode: "test" }) },
  });
  const result = await wall.run(plugin);
  const failure = await wall.run(plugin, "fails").catch((e: Error & { code?: string }) => ({
    name: e.name,
    message: e.message,
    code: e.code,
  }));
  const missing = await wall
    .run(plugin, "nope")
    .catch((e: Error) => ({ name: e.name, message: e.message }));
  await wall.terminate();
  return { result, failure, missing };
};

describe("wall parity", () => {
  it("the same plugin gives identical results and errors at worker and process level", async () => {
    const [worker, proc] = await Promise.all([runAt("worker"), runAt("process")]);
    expect(proc).toEqual(worker);
    expect(worker.result).toEqual([
      { key: "/a", n: 1n },
      new Uint8Array([1, 2, 3]),
      { name: "CellError", message: "Not found: /missing", code: "KV_NOT_FOUND" },
      { name: "TypeError", message: "bad key", code: undefined },
      { key: "/ns/x", n: 1n },
      ["kv", "double", "config"],
      ["get", "sub"],
      42,
      { mode: "test" },
      "ünï",
      "https://example.test/p?q=1",
      { name: "TypeError" },
    ]);
    expect(worker.failure).toEqual({
      name: "RangeError",
      message: "plugin says no",
      code: undefined,
    });
    expect(worker.missing).toEqual({
      name: "TypeError",
      message: 'the module has no exported function "nope"',
    });
  });
});
