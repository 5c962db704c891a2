/**
 * `@padded-cell/cli`: the `padded-cell` command as a library, for programs
 * that run it in-process (and for its tests), and its exit codes.
 *
 * The executable itself is `dist/cli.js` (the package's `padded-cell` bin).
 */
export { cliExitCodes } from "./cli-exit-codes.js";
export type { CliExitCode } from "./cli-exit-codes.js";
export { runCli } from "./cli-main.js";
export type { CliIo } from "./cli-run.js";
