// The reference run of one compatibility plugin: plain Node, no lockdown, no
// cell. Prints `COMPAT-RESULT <json>` with the plugin's result, or its error.
//
// Usage: node reference.mjs <plugin folder>
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { encodeResult } from "./compat-result.mjs";

const folder = process.argv[2];
let line;
try {
  const plugin = await import(pathToFileURL(join(folder, "index.js")).href);
  line = { ok: true, result: encodeResult(await plugin.main()) };
} catch (error) {
  line = {
    ok: false,
    error: `${error?.code ?? error?.name ?? "Error"}: ${error?.message ?? error}`,
  };
}
process.stdout.write(`\nCOMPAT-RESULT ${JSON.stringify(line)}\n`);
