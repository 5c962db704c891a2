// Plugin manifests and policy documents: finding, validating, refusing.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { pluginFolder, readManifest } from "../src/policy/manifest-file.js";
import { parseJsonDocument, pluginPolicy, type PolicyDocument } from "../src/policy/policy-file.js";
import { checkAgainstSchema } from "../src/policy/policy-schema-check.js";

const plugin = async (files: Record<string, unknown>): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "manifest-"));
  for (const [name, value] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), typeof value === "string" ? value : JSON.stringify(value));
  }
  return dir;
};

describe("finding a manifest", () => {
  test("in padded-cell.json, or in the paddedCell field of package.json", async () => {
    const a = await plugin({
      "package.json": { name: "a" },
      "padded-cell.json": { name: "a-plugin", wants: { env: ["LANG"] } },
    });
    expect(readManifest(a, a)).toEqual({
      manifest: { name: "a-plugin", wants: { env: ["LANG"] } },
      file: "padded-cell.json",
    });
    const b = await plugin({
      "package.json": { name: "b", paddedCell: { name: "b-plugin", entry: "./main.js" } },
    });
    expect(readManifest(b, b)?.manifest).toEqual({ name: "b-plugin", entry: "./main.js" });
    expect(readManifest(await plugin({ "package.json": { name: "c" } }), tmpdir())).toBeUndefined();
  });

  test("both at once are refused, so which one counts is never a question (invariant 2)", async () => {
    const dir = await plugin({
      "package.json": { name: "x", paddedCell: { name: "x" } },
      "padded-cell.json": { name: "x", wants: { fs: { read: ["."] } } },
    });
    expect(() => readManifest(dir, dir)).toThrow(/MANIFEST_INVALID|one manifest per plugin/);
  });

  test("the plugin folder is the nearest folder with a package.json, not above the stop", async () => {
    const dir = await plugin({ "package.json": { name: "p" }, "src/deep/index.js": "" });
    expect(pluginFolder(join(dir, "src/deep/index.js"), dir)).toBe(dir);
    const bare = await plugin({ "lib/index.js": "" });
    expect(pluginFolder(join(bare, "lib/index.js"), join(bare, "lib"))).toBe(join(bare, "lib"));
  });
});

describe("validation errors are precise (file, field, expectation)", () => {
  test.each([
    [{ wants: {} }, "at /name: expected this field, which is required"],
    [{ name: " starts with space" }, "at /name: expected A plugin name"],
    [
      { name: "x", wants: { net: ["ok:443", "has space:1"] } },
      "at /wants/net/1: expected host:port",
    ],
    [{ name: "x", wants: { run: ["/bin/sh"] } }, "at /wants/run/0: expected A program name"],
    [
      { name: "x", wants: { imports: ["../escape"] } },
      "at /wants/imports/0: expected A package name",
    ],
    [{ name: "x", wants: { env: ["A", "A"] } }, "at /wants/env: expected no duplicate entries"],
    [{ name: "x", wants: { fs: { exec: [] } } }, "at /wants/fs/exec: expected no such field here"],
  ])("%j", (value, message) => {
    expect(() => checkAgainstSchema("manifest", value, "m.json")).toThrow(
      `Invalid plugin manifest m.json: ${message}`,
    );
  });

  test("huge lists are refused by the schema, not processed", () => {
    const many = Array.from({ length: 300 }, (_, i) => `./p${i}`);
    expect(() =>
      checkAgainstSchema("manifest", { name: "x", wants: { fs: { read: many } } }, "m.json"),
    ).toThrow("at /wants/fs/read: expected a value that must NOT have more than 256 items");
  });

  test("a plugin named __proto__ is an own entry and pollutes nothing", () => {
    const doc = parseJsonDocument<PolicyDocument>(
      "policy",
      '{"plugins": {"__proto__": {"env": ["LANG"]}}}',
      "p.json",
    );
    expect(pluginPolicy(doc, "__proto__", tmpdir(), "p.json").allow.env).toEqual(["LANG"]);
    expect(pluginPolicy(doc, "toString", tmpdir(), "p.json").allow.env).toEqual([]);
    expect(({} as Record<string, unknown>).env).toBeUndefined();
  });

  test("limits parse into cell limits; an out-of-range limit names its field", () => {
    const doc = parseJsonDocument<PolicyDocument>(
      "policy",
      JSON.stringify({
        plugins: {
          a: { limits: { memory: "64mb", cpu: "2s", timeout: "1m", maxOutput: "1kb" } },
          b: { limits: { memory: "0mb" } },
        },
      }),
      "p.json",
    );
    expect(pluginPolicy(doc, "a", tmpdir(), "p.json").limits).toEqual({
      memoryMb: 64,
      cpuMs: 2000,
      wallMs: 60_000,
      maxOutputBytes: 1024,
    });
    expect(() => pluginPolicy(doc, "b", tmpdir(), "p.json")).toThrow("at /plugins/b/limits/memory");
  });
});
