#!/usr/bin/env node
/**
 * The `padded-cell` executable: runs the command line and exits with its
 * code once stdout and stderr are flushed (a plugin may leave nothing
 * running behind it: the host was closed, and the process ends here).
 *
 * Invariants:
 * 1. The process exits with the code `runCli` returned.
 *
 * It does not parse or print anything itself.
 */
import "./cli-lockdown.js";
import { runCli } from "./cli-main.js";

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});
const flush = (stream: NodeJS.WriteStream): Promise<void> =>
  new Promise((done) => {
    stream.write("", () => done());
  });
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(code);
