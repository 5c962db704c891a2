// One behaviour, three walls: the same plugin code, grants, denials,
// revocation, error codes and messages, and audit records, at every
// isolation level. Results are compared across levels, not only checked.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeMemoryDirCap } from "@padded-cell/caps";
import { describe, expect, test } from "vitest";
import {
  createHost,
  makeMemoryAuditSink,
  nestedCells,
  type Cell,
  type Isolation,
} from "../src/index.js";

const LEVELS: Isolation[] = ["compartment", "worker", "process", "jail"];

const PLUGIN = `
export async function main(caps) {
  const text = await caps.fs.readFile("/a.txt", { encoding: "utf8" });
  const denied = await caps.docs.writeFile("/x.txt", "no").then(() => "written", (e) => e.code + ": " + e.message);
  const missing = await caps.fs.readFile("/nope.txt").then(() => "found", (e) => e.code + ": " + e.message);
  console.log("plugin ran");
  return { text, denied, missing };
}
`;

const behaviour = async (isolation: Isolation) => {
  const audit = makeMemoryAuditSink(100);
  const host = await createHost({ audit: audit.sink });
  const root = await mkdtemp(join(tmpdir(), "conformance-"));
  await writeFile(join(root, "package.json"), JSON.stringify({ name: "plugin", type: "module" }));
  await writeFile(join(root, "main.js"), PLUGIN);
  const cell: Cell = await host.createCell({
    name: "plugin",
    isolation,
    root,
    grants: {
      fs: makeMemoryDirCap({ seed: { "/a.txt": "hello" } }),
      docs: makeMemoryDirCap({ seed: { "/d.md": "# d" } }).readOnly(),
      // Plain data beside methods reaches the cell at every level.
      svc: harden({
        ping: async (x: string) => `pong ${x}`,
        settings: { mode: "fast", limits: [1, 2] },
        version: 3,
      }),
    },
  });
  try {
    // A compartment cell's results are live views that die with the cell;
    // a walled cell's are copies. What the host keeps, it copies.
    const result = JSON.parse(JSON.stringify(await cell.run("./main.js")));
    const evaluated = await cell.evaluate(`caps.svc.ping("a")`);
    const grantData = await cell.evaluate(
      `JSON.stringify({ keys: Object.keys(caps.svc).sort(), settings: caps.svc.settings, version: caps.svc.version })`,
    );
    await cell.revokeGrant("svc", "svc withdrawn");
    const afterRevoke = await cell.evaluate(
      `(async () => caps.svc.ping("b"))().then(() => "alive", (e) => e.code)`,
    );
    const stillGranted = await cell.evaluate(`caps.fs.readFile("/a.txt", { encoding: "utf8" })`);
    const records = audit
      .records()
      .map(({ cell: c, grant, method, outcome, code }) => ({ c, grant, method, outcome, code }));
    return {
      result,
      evaluated,
      grantData,
      afterRevoke,
      stillGranted,
      records,
      printed: cell.output().stdout.includes("plugin ran"),
    };
  } finally {
    await cell.revoke("test done");
  }
};

describe("one behaviour at every isolation level", () => {
  test("grants, denials, revocation, error codes and messages, and audit records are identical", async () => {
    const results = [];
    for (const level of LEVELS) results.push(await behaviour(level));
    const [compartment, ...walled] = results;
    expect(compartment).toMatchObject({
      result: {
        text: "hello",
        denied: expect.stringMatching(/^FS_/),
        missing: expect.stringMatching(/^ENOENT: /),
      },
      evaluated: "pong a",
      grantData: JSON.stringify({
        keys: ["ping", "settings", "version"],
        settings: { mode: "fast", limits: [1, 2] },
        version: 3,
      }),
      afterRevoke: "REVOKED",
      stillGranted: "hello",
      printed: true,
    });
    for (const other of walled) expect(other).toEqual(compartment);
  }, 60_000);
});

const nestedAndChannels = async (isolation: Isolation) => {
  const host = await createHost();
  const channel = host.channel("jobs");
  const parent = await host.createCell({
    name: "parent",
    isolation,
    grants: {
      fs: makeMemoryDirCap({ seed: { "/a.txt": "parent data" } }),
      cells: nestedCells({ max: 1 }),
      out: channel.a,
    },
  });
  const consumer = await host.createCell({
    name: "consumer",
    isolation,
    grants: { in: channel.b },
  });
  try {
    const child = await parent.evaluate(`(async () => {
      const sub = await caps.cells.create({ name: "child", grants: { fs: caps.fs } });
      const text = await sub.evaluate('caps.fs.readFile("/a.txt", { encoding: "utf8" })');
      const escalation = await caps.cells.create({ name: "evil", grants: { fs: "/etc" } }).then(() => "created", (e) => e.code);
      await caps.out.send({ job: 1, text });
      return { text, escalation };
    })()`);
    const received = await consumer.evaluate(`caps.in.receive().then((m) => m.job + ":" + m.text)`);
    channel.revoke("closed");
    const afterChannel = await consumer.evaluate(
      `(async () => caps.in.receive())().then(() => "open", (e) => e.code)`,
    );
    return JSON.parse(JSON.stringify({ child, received, afterChannel }));
  } finally {
    await parent.revoke("done");
    await consumer.revoke("done");
  }
};

describe("console at every isolation level", () => {
  test("the same members, and the same text for the same values", async () => {
    const printed: string[] = [];
    const host = await createHost();
    try {
      for (const isolation of LEVELS) {
        const cell = await host.createCell({ name: "console", isolation });
        await cell.evaluate(`
          console.log("%s=%d", "n", 5, { a: [1, { b: 2 }] }, new Map([[1, "x"]]), [undefined, null]);
          // Hostile values print without their code running (console-format.ts).
          console.log(new Proxy({}, { ownKeys() { throw new Error("trap ran"); } }), { get x() { throw new Error("getter ran"); } });
          console.group("g"); console.warn(new Error("e").message); console.groupEnd();
          console.count(); console.count(); console.assert(false, "no");
          console.log(Object.keys(console).sort().join());`);
        const { stdout, stderr } = cell.output();
        printed.push(`${stdout}--\n${stderr}`);
        await cell.revoke("done");
      }
    } finally {
      await host.close("done");
    }
    expect(printed[0]).toContain("n=5 { a: [ 1, { b: 2 } ] }");
    expect(printed[0]).toContain("[Proxy] { x: [Getter] }");
    for (const other of printed) expect(other).toBe(printed[0]);
  }, 60_000);
});

describe("nested cells and channels at every isolation level", () => {
  test("sub-cells get what their parent passes on, escalation is refused, channels carry data and revoke", async () => {
    const results = [];
    for (const level of LEVELS) results.push(await nestedAndChannels(level));
    const [compartment, ...walled] = results;
    expect(compartment).toEqual({
      child: { text: "parent data", escalation: "CELL_ESCALATION" },
      received: "1:parent data",
      afterChannel: "REVOKED",
    });
    for (const other of walled) expect(other).toEqual(compartment);
  }, 90_000);
});

describe("walls contain what a compartment cannot", () => {
  test.each(["worker", "process", "jail"] as const)(
    "%s: an infinite loop is stopped, the host stays responsive, the fate is typed",
    async (isolation) => {
      const host = await createHost();
      const cell = await host.createCell({ name: "looper", isolation, limits: { cpuMs: 200 } });
      const outcome = await cell.evaluate("for (;;) {}").then(
        () => "returned",
        (e: { code?: string }) => e.code,
      );
      expect(outcome).toMatch(/^CELL_(CPU_EXCEEDED|TIMEOUT|TERMINATED)$/);
      expect(await (cell as Cell & { fate: Promise<{ code: string }> }).fate).toMatchObject({
        code: "CELL_CPU_EXCEEDED",
      });
    },
    30_000,
  );
  test("a compartment cell refuses limits it cannot enforce", async () => {
    const host = await createHost();
    await expect(host.createCell({ name: "x", limits: { memoryMb: 64 } })).rejects.toMatchObject({
      code: "CELL_BAD_OPTIONS",
    });
  });
});

describe("plugin packages at every isolation level", () => {
  test("an unmodified npm package (markdown-it) renders the same in a compartment, a worker and a process", async () => {
    const { makePluginDir } = await import("./fixtures/module-plugin-dir.js");
    const plugin = await makePluginDir(
      {
        "package.json": JSON.stringify({
          name: "md",
          type: "module",
          dependencies: { "markdown-it": "*" },
        }),
        "index.js": `
          import MarkdownIt from "markdown-it";
          import { readFile } from "node:fs/promises";
          export async function main() {
            return new MarkdownIt().render(await readFile("/index.md", "utf8"));
          }`,
        "denied.js": `import "yaml"; export const main = () => "loaded";`,
      },
      ["markdown-it"],
    );
    try {
      const results = [];
      for (const isolation of LEVELS) {
        const host = await createHost();
        const cell = await host.createCell({
          name: "md",
          isolation,
          root: plugin.root,
          imports: ["markdown-it"],
          grants: {
            fs: makeMemoryDirCap({ seed: { "/index.md": "# Walls\n\n*same*" } }).readOnly(),
          },
        });
        try {
          const html = await cell.run("./index.js");
          const denied = await cell.run("./denied.js").then(
            () => "loaded",
            (e: { code?: string }) => e.code,
          );
          results.push({ html, denied });
        } finally {
          await cell.revoke("done");
        }
      }
      expect(results[0]).toEqual({
        html: "<h1>Walls</h1>\n<p><em>same</em></p>\n",
        denied: "MODULE_DENIED",
      });
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    } finally {
      await plugin.dispose();
    }
    // Three cold walls compiling markdown-it: over two minutes on a loaded machine.
  }, 300_000);
});

// What a cell's global offers must not depend on the wall: every name
// reachable from `globalThis` (own properties, a few levels deep, through
// accessors) with its type, compared across levels. Catches a global that
// exists at one level only (as `URLSearchParams` once did).
const GLOBAL_SHAPE = `(() => {
  const lines = [];
  const seen = new Map();
  const typeOf = (v) => (v === null ? "null" : typeof v);
  const walk = (value, path, depth) => {
    lines.push(path + ": " + typeOf(value));
    if ((typeof value !== "object" && typeof value !== "function") || value === null) return;
    if (seen.has(value)) { lines.push(path + " = " + seen.get(value)); return; }
    seen.set(value, path);
    if (depth === 0) return;
    const keys = Reflect.ownKeys(value).map(String).sort();
    for (const key of keys) {
      let child;
      try { child = Reflect.get(value, key); } catch (e) { child = "throws " + (e && e.name); }
      walk(child, path + "." + key, depth - 1);
    }
  };
  walk(globalThis, "globalThis", 3);
  return lines.join("\\n");
})()`;

describe("a cell's global object at every isolation level", () => {
  test("names and types of everything reachable from globalThis are identical", async () => {
    const shapes: string[] = [];
    for (const isolation of LEVELS) {
      const host = await createHost();
      const cell = await host.createCell({
        name: "shape",
        isolation,
        grants: { fs: makeMemoryDirCap({ seed: { "/a.txt": "a" } }) },
      });
      try {
        shapes.push((await cell.evaluate(GLOBAL_SHAPE)) as string);
      } finally {
        await cell.revoke("done");
      }
    }
    // Known difference, left open: a wall's console has only log, info,
    // debug, warn and error (its writes also enforce the output limit);
    // a compartment cell's has every member of the caps console facade.
    const withoutConsole = (shape: string) =>
      shape
        .split("\n")
        .filter((line) => !line.startsWith("globalThis.console."))
        .join("\n");
    const [compartment = "", worker = "", processLevel = ""] = shapes.map(withoutConsole);
    expect(compartment.split("\n").length).toBeGreaterThan(1000);
    expect(compartment).toContain("globalThis.URLSearchParams: function");
    expect(compartment).toContain("globalThis.process.env: object");
    expect(worker).toEqual(compartment);
    expect(processLevel).toEqual(compartment);
  }, 120_000);
});
