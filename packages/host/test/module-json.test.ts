// A malformed JSON module fails with MODULE_SYNTAX, like a malformed script,
// never with a host SyntaxError (regression of a red-team break).
import { afterAll, expect, test } from "vitest";
import { createHost } from "../src/index.js";
import { makePluginDir, type PluginDir } from "./fixtures/module-plugin-dir.js";

const dirs: PluginDir[] = [];
afterAll(async () => Promise.all(dirs.map((d) => d.dispose())));

test("importing a malformed .json module gives MODULE_SYNTAX with no host stack", async () => {
  const plugin = await makePluginDir({
    "package.json": JSON.stringify({ name: "p", type: "module" }),
    "bad.json": '{ "a": ',
    "good.json": '{ "a": 1 }',
    "main.js": `export const probe = (s) => import(s).then((m) => JSON.stringify(m.default), (e) => e.code + " " + String(e.stack).includes("node_modules"));`,
  });
  dirs.push(plugin);
  const host = await createHost();
  const cell = await host.createCell({ name: "json", root: plugin.root });
  const { probe } = (await cell.import("./main.js")) as { probe: (s: string) => Promise<string> };
  expect(await probe("./good.json")).toBe('{"a":1}');
  expect(await probe("./bad.json")).toBe("MODULE_SYNTAX false");
});
