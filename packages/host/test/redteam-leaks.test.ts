// Red-team attacks on the rule "a cell never learns a host path, a host stack
// or a host object" (compartment-cell.ts invariant 2, the membrane's error
// copying, module-loader.ts invariant 4): through import.meta and the
// CommonJS module variables, through the errors of a real directory
// capability and its node:fs/promises facade, and through the console (where
// Node's inspect.custom hook would hand a host function to cell code), and
// through bytes: a Node Buffer cut from the shared allocation pool would show
// other host data through its .buffer.
import { mkdtemp, symlink, writeFile, mkdir } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDirCap, makeHttpCap } from "@padded-cell/caps";
import { describe, expect, test } from "vitest";
import { createHost } from "../src/index.js";

const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));

/** Host-identifying fragments none of which may reach a cell. */
const hostMarks = (root: string) => [root, tmpdir(), "/work/", "node_modules", ".ts:"];

describe("module variables and load errors show the plugin folder as a virtual root", () => {
  test("import.meta.url, __filename, __dirname and module carry no host path", async () => {
    const root = await tempDir("rt-leak-mod-");
    await writeFile(join(root, "package.json"), JSON.stringify({ name: "p", type: "module" }));
    await writeFile(
      join(root, "esm.js"),
      `export const meta = JSON.stringify({ keys: Object.keys(import.meta), url: import.meta.url,
         resolve: typeof import.meta.resolve });`,
    );
    await writeFile(
      join(root, "c.cjs"),
      `exports.info = JSON.stringify({ f: __filename, d: __dirname, keys: Object.keys(module),
         id: module.id, filename: module.filename, paths: module.paths,
         requireKeys: Object.getOwnPropertyNames(require) });`,
    );
    const host = await createHost();
    const cell = await host.createCell({ name: "mods", root });
    const { meta } = await cell.import("./esm.js");
    const { info } = await cell.import("./c.cjs");
    expect(JSON.parse(meta as string)).toEqual({
      keys: ["url"],
      url: "file:///plugin/esm.js",
      resolve: "undefined",
    });
    expect(JSON.parse(info as string)).toEqual({
      f: "/plugin/c.cjs",
      d: "/plugin",
      keys: ["exports"],
      // `require` is a function the module's own wrapper defines in the cell
      // (so each module has its own `extensions`): its `prototype` is the
      // cell's object, not the host's.
      requireKeys: ["length", "name", "prototype", "resolve", "extensions"],
    });
    for (const mark of hostMarks(root)) {
      expect(meta).not.toContain(mark);
      expect(info).not.toContain(mark);
    }
  });

  test("syntax errors, throws at load, misses and climbs seen by cell code name no host path", async () => {
    const root = await tempDir("rt-leak-err-");
    await writeFile(join(root, "package.json"), JSON.stringify({ name: "p", type: "module" }));
    await writeFile(join(root, "bad.js"), "export const x = ;");
    await writeFile(join(root, "throws.js"), "null.x;");
    await writeFile(
      join(root, "main.js"),
      `export const probe = async (s) => import(s).then(() => "loaded", (e) =>
         JSON.stringify({ code: e.code, message: e.message, stack: String(e.stack), keys: Object.getOwnPropertyNames(e) }));`,
    );
    const host = await createHost();
    const cell = await host.createCell({ name: "errs", root });
    const { probe } = await cell.import("./main.js");
    for (const specifier of ["./bad.js", "./throws.js", "./nope.js", "../x.js"]) {
      const outcome = (await (probe as (s: string) => Promise<string>)(specifier)) as string;
      expect(outcome, specifier).not.toBe("loaded");
      const { code, message, stack } = JSON.parse(outcome) as Record<string, string>;
      // The cell's own TypeError (throws.js) has an engine stack, which the
      // test realm's errorTaming shows; every loader denial is a CellError
      // whose stack is its message only.
      const seen = code === undefined ? String(message) : `${message}\n${stack}`;
      if (specifier !== "./throws.js") expect(code, specifier).toMatch(/^MODULE_/);
      for (const mark of hostMarks(root)) expect(seen, specifier).not.toContain(mark);
    }
  });
});

describe("errors of a real directory capability, through caps and the fs facade", () => {
  test("ENOENT, EISDIR, ENOTDIR, EEXIST, ELOOP and escaping links carry only virtual paths and a code", async () => {
    const root = await tempDir("rt-leak-fs-");
    await writeFile(join(root, "package.json"), JSON.stringify({ name: "p", type: "module" }));
    await writeFile(join(root, "f.txt"), "x");
    await mkdir(join(root, "d"));
    await writeFile(join(root, "d", "g.txt"), "g");
    await symlink("loop1", join(root, "loop2"));
    await symlink("loop2", join(root, "loop1"));
    await symlink("nowhere", join(root, "dangling"));
    const outside = await tempDir("rt-leak-out-");
    await writeFile(join(outside, "secret.txt"), "secret");
    await symlink(join(outside, "secret.txt"), join(root, "out"));
    await writeFile(
      join(root, "main.js"),
      `import fs from "node:fs/promises";
       const show = (p) => p.then(() => "ok", (e) => JSON.stringify({ code: e.code, message: e.message,
         stack: String(e.stack), keys: Object.getOwnPropertyNames(e).sort(), path: e.path, errno: e.errno }));
       export async function main(caps) {
         return [
           show(fs.readFile("/nope/x.txt")), show(fs.readFile("/d")), show(fs.readFile("/f.txt/x")),
           show(fs.mkdir("/d")), show(fs.rmdir("/d")), show(fs.readFile("/loop1")),
           show(fs.readFile("/out")), show(fs.readFile("/dangling")), show(fs.rename("/f.txt", "/d/g.txt/z")),
           show(caps.fs.readFile("/out")), show(caps.fs.readFile("/loop1")), show(caps.fs.sub("/out").readFile("/")),
         ].reduce(async (all, p) => [...(await all), await p], []);
       }`,
    );
    const host = await createHost();
    const cell = await host.createCell({
      name: "fs-errors",
      root,
      grants: { fs: makeDirCap(root) },
    });
    const outcomes = (await cell.run("./main.js")) as string[];
    expect(outcomes).toHaveLength(12);
    for (const outcome of outcomes) {
      expect(outcome).not.toBe("ok");
      for (const mark of [...hostMarks(root), outside]) expect(outcome).not.toContain(mark);
      const parsed = JSON.parse(outcome) as { keys: string[]; path?: unknown; errno?: unknown };
      // No errno, syscall or path property: only what a CellError carries.
      expect(parsed.keys).toEqual(["code", "message", "name", "stack"]);
      expect(parsed.path).toBeUndefined();
      expect(parsed.errno).toBeUndefined();
    }
    expect(JSON.parse(outcomes[6] as string).code).toBe("FS_OUTSIDE_ROOT");
  });
});

describe("the console formats cell values without handing them host functions", () => {
  test("inspect.custom is never called, and capabilities print no host path", async () => {
    const root = await tempDir("rt-leak-console-");
    const host = await createHost();
    const cell = await host.createCell({
      name: "console",
      grants: { fs: makeDirCap(root), http: makeHttpCap({ allow: ["http://127.0.0.1:1/"] }) },
    });
    const stolen = await cell.evaluate(`
      const evil = { [Symbol.for("nodejs.util.inspect.custom")](depth, options, inspect) {
        globalThis.stolen = [typeof inspect, typeof options];
        return "evil";
      } };
      console.log(evil); console.log([evil], { evil }); console.dir(evil); console.table([evil]);
      console.error(new Error("boom")); console.log(caps, caps.fs, caps.http, fetch, console);
      console.log(new URL("http://a/b"), new TextEncoder(), TextEncoder, caps.fs.readFile);
      typeof globalThis.stolen`);
    expect(stolen).toBe("undefined");
    const { stdout, stderr } = cell.output();
    // Capabilities (and host classes) are views the console's formatter,
    // running in the cell, never looks into.
    expect(stdout).toContain("[Proxy] [Proxy] [Proxy] [Function: Proxy]");
    for (const mark of hostMarks(root)) expect(stdout + stderr).not.toContain(mark);
    expect(stderr).toContain("boom");
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe("bytes reach the cell as exact plain Uint8Arrays, never views of Node's Buffer pool", () => {
  test("readFile, the fs facade, openRead chunks and fetch bodies own exactly their bytes", async () => {
    const root = await tempDir("rt-leak-bytes-");
    await writeFile(join(root, "package.json"), JSON.stringify({ name: "p", type: "module" }));
    await writeFile(join(root, "small.txt"), "hi");
    const server = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await writeFile(
      join(root, "main.js"),
      `import fs from "node:fs/promises";
       const desc = (b) => JSON.stringify({ plain: Object.getPrototypeOf(b) === Uint8Array.prototype,
         length: b.length, offset: b.byteOffset, buffer: b.buffer.byteLength });
       export async function main(caps) {
         const out = [desc(await caps.fs.readFile("/small.txt")), desc(await fs.readFile("/small.txt"))];
         for await (const chunk of await caps.fs.openRead("/small.txt")) out.push(desc(chunk));
         const response = await fetch("http://127.0.0.1:${port}/x");
         out.push(desc(new Uint8Array(await response.arrayBuffer())));
         out.push(desc(await (await fetch("http://127.0.0.1:${port}/y")).bytes()));
         return out;
       }`,
    );
    const host = await createHost();
    const cell = await host.createCell({
      name: "bytes",
      root,
      grants: {
        fs: makeDirCap(root),
        http: makeHttpCap({ allow: [`http://127.0.0.1:${port}/`] }),
      },
    });
    try {
      const outcomes = (await cell.run("./main.js")) as string[];
      expect(outcomes.map((o) => JSON.parse(o) as unknown)).toEqual([
        { plain: true, length: 2, offset: 0, buffer: 2 },
        { plain: true, length: 2, offset: 0, buffer: 2 },
        { plain: true, length: 2, offset: 0, buffer: 2 },
        { plain: true, length: 2, offset: 0, buffer: 2 },
        { plain: true, length: 2, offset: 0, buffer: 2 },
      ]);
    } finally {
      server.close();
    }
  });
});
