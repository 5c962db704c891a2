/**
 * The `padded-cell` command: dispatches a parsed command line, prints
 * errors of the command itself (bad usage, invalid files), and returns the
 * exit code. `cli.ts` is the executable that calls it.
 *
 * Invariants:
 * 1. Every error ends as one line on stderr and an exit code from
 *    `cliExitCodes`; only `CellError` messages are printed, anything else
 *    is reported as an internal error without its stack.
 *
 * It does not call process.exit (the executable does).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CellError } from "@padded-cell/membrane";
import { parseCliArgs } from "./cli-args.js";
import { cliExitCodes, exitCodeFor, type CliExitCode } from "./cli-exit-codes.js";
import { helpText } from "./cli-help.js";
import type { CliIo } from "./cli-run.js";
import { generatePolicy, jailSupport, pluginPolicy, readPolicyFile } from "@padded-cell/host";
import { doctorReport } from "./cli-doctor.js";

const VERSION = "0.1.0";

/**
 * Runs the command line `argv` (without `node` and the script).
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<CliExitCode> {
  try {
    if (argv.length === 0) {
      io.stderr.write(helpText());
      return cliExitCodes.USAGE;
    }
    const args = parseCliArgs(argv);
    switch (args.command) {
      case "help":
        io.stdout.write(helpText());
        return cliExitCodes.OK;
      case "version":
        io.stdout.write(`${VERSION}\n`);
        return cliExitCodes.OK;
      case "policy-check":
        {
          const doc = readPolicyFile(resolve(io.cwd, args.file), args.file);
          // Resolve every entry too: paths must lie inside the working directory, limits must parse.
          for (const name of Object.keys(doc.plugins)) pluginPolicy(doc, name, io.cwd, args.file);
        }
        io.stdout.write(`${args.file}: valid policy\n`);
        return cliExitCodes.OK;
      case "policy-generate": {
        let text: string;
        try {
          text = readFileSync(resolve(io.cwd, args.audit), "utf8");
        } catch {
          throw new CellError(
            "CLI_USAGE",
            `Cannot read the audit file ${JSON.stringify(args.audit)}.`,
          );
        }
        const result = generatePolicy(text, io.cwd, args.name);
        io.stdout.write(`${JSON.stringify(result.policy, null, 2)}\n`);
        if (result.denied > 0)
          io.stderr.write(`padded-cell: ${result.denied} denied calls were left out.\n`);
        if (result.withoutUses > 0) {
          io.stderr.write(
            `padded-cell: ${result.withoutUses} records have no "uses" (not written by padded-cell run --audit) and were left out.\n`,
          );
        }
        return cliExitCodes.OK;
      }
      case "doctor":
        io.stdout.write(doctorReport(jailSupport()));
        return cliExitCodes.OK;
      case "run": {
        // Loaded on demand: help, usage errors and policy commands need no cell machinery.
        const { runPlugin } = await import("./cli-run.js");
        return await runPlugin(args, io);
      }
    }
  } catch (error) {
    if (error instanceof CellError) {
      io.stderr.write(`padded-cell: ${error.code}: ${error.message}\n`);
      const code = exitCodeFor(error.code);
      return code === cliExitCodes.CRASHED ? cliExitCodes.CRASHED : code;
    }
    io.stderr.write(
      `padded-cell: internal error: ${error instanceof Error ? error.message : "unknown"}\n`,
    );
    return cliExitCodes.CRASHED;
  }
}
