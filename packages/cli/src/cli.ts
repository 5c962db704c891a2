#!/usr/bin/env node
/**
 * The `padded-cell` executable: runs the command line and exits with its
 * code once stdout and stderr are flushed (a plugin may leave nothing
 * running behind it: the host was closed, and the process ends here).
 *
 * Invariants:
 * 1. The process exits with the code `runCli` returned, or with the crash
 *    code when the plugin waits on something that can never happen (Node
 *    would otherwise end with its own code 13 for an unsettled await).
 *
 * It does not parse or print anything else itself.
 */
import "./cli-lockdown.js";
import { cliExitCodes } from "./cli-exit-codes.js";
import { runCli } from "./cli-main.js";

let finished = false;
process.once("beforeExit", () => {
  // Nothing is left to run, yet the command did not finish: the plugin's promise can never settle.
  if (finished) return;
  process.stderr.write(
    "padded-cell: the plugin never finished: it awaits something that can never happen (nothing is left to run).\n",
  );
  process.exit(cliExitCodes.CRASHED);
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  stdin: process.stdin,
});
finished = true;
const flush = (stream: NodeJS.WriteStream): Promise<void> =>
  new Promise((done) => {
    stream.write("", () => done());
  });
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(code);
