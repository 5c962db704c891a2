/**
 * Example 3: an untrusted-script runner. Users submit scripts; each runs in
 * its own worker-thread or child-process cell (`createCell({ isolation,
 * limits })`) with memory, CPU and time limits. An infinite loop and a
 * memory bomb are stopped and reported, while the runner (the host's event
 * loop) keeps serving the other scripts.
 *
 * Budgets are measured, not guessed: a cell's CPU budget is the CPU time its
 * own thread or process ran (not time it waited for a core), so honest
 * scripts are not stopped on a loaded machine. The memory bomb runs in a
 * process cell: only a process can hold a memory limit (an allocation bomb
 * in a worker thread can abort the whole host; see the Isolation levels
 * guide), and its heap fills long before its CPU budget runs out.

 * Invariants shown (and tested in test/script-runner.test.ts):
 * 1. A script that exceeds its CPU budget ends with CELL_CPU_EXCEEDED, one
 *    that exceeds its heap with CELL_OUT_OF_MEMORY; neither stops the host.
 * 2. Other scripts, started before, during and after, complete normally.
 * 3. A script reaches only its grant (`caps.input`); it has no `process`,
 *    `require` or file system.
 *
 * It does not queue or rate-limit submissions; it runs them all at once.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CellFate, Host, WalledCell } from "@padded-cell/host";
import { toDenial, type Denial, type Narrator } from "./tour-output.js";

/** Where a script runs. */
export type ScriptWall = "worker" | "process";

/** A submitted script. */
export interface Submission {
  /** A name for messages. */
  readonly name: string;
  /** Where it runs. */
  readonly kind: ScriptWall;
  /** An ES module exporting `main(caps)`. */
  readonly source: string;
}

/** What became of a script. */
export interface ScriptOutcome {
  readonly name: string;
  readonly kind: ScriptWall;
  /** `completed`: main returned; `stopped`: a limit or crash ended the cell; `failed`: main threw. */
  readonly status: "completed" | "stopped" | "failed";
  /** `main`'s result when it completed. */
  readonly result?: unknown;
  /** How the cell ended (`revoked` when the runner ended it after the script). */
  readonly fate: CellFate;
  /** What the script printed. */
  readonly output: string;
  /** Why `main` did not complete (a limit's fate, or what the script threw). */
  readonly error?: Denial;
}

/** Limits every script runs under. */
export const SCRIPT_LIMITS = harden({
  memoryMb: 64,
  cpuMs: 2000,
  // Wall-clock time runs on however busy the machine is: generous, so that
  // the CPU budget and the heap limit (which measure the script itself)
  // are what stop the spin and the bomb, even on a loaded machine.
  wallMs: 60_000,
  maxOutputBytes: 16_384,
});

/** The limits of a worker script: a worker cannot hold a memory limit. */
const { memoryMb: _processOnly, ...WORKER_LIMITS } = SCRIPT_LIMITS;

/** The scripts the example submits. */
export const SAMPLE_SCRIPTS: readonly Submission[] = harden([
  {
    name: "average",
    kind: "process",
    source: `export const main = async (caps) => {
  const xs = await caps.input.numbers();
  console.log("averaging", xs.length, "numbers");
  return xs.reduce((a, b) => a + b, 0) / xs.length;
};`,
  },
  {
    name: "spin",
    kind: "worker",
    source: `export const main = async () => { for (;;) {} };`,
  },
  {
    name: "bomb",
    kind: "process",
    source: `export const main = async () => {
  const hoard = [];
  for (;;) hoard.push(new Array(1 << 16).fill(hoard.length));
};`,
  },
  {
    name: "escape",
    kind: "process",
    source: `export const main = async () => ({
  processEnv: Object.keys(process.env),
  processExit: typeof process.exit,
  require: typeof require,
  fetch: typeof fetch,
  globals: Object.keys(globalThis).sort(),
});`,
  },
  {
    name: "word-count",
    kind: "process",
    source: `export const main = async (caps) => {
  const text = await caps.input.text();
  return text.split(/\\s+/).filter(Boolean).length;
};`,
  },
]);

/** The one capability every script gets. */
const makeInput = () =>
  harden({
    numbers: async () => harden([3, 1, 4, 1, 5, 9, 2, 6]),
    text: async () => "a capability is an unforgeable reference that designates and authorises",
  });

/** Fates that mean the wall stopped the script. */
const STOPPED = new Set([
  "out-of-memory",
  "cpu-exceeded",
  "timeout",
  "output-limit",
  "crashed",
  "exited",
  "killed",
]);

/**
 * Runs one script to its end in a walled cell of `host` and reports how it
 * went.
 *
 * @example
 * ```ts
 * const outcome = await runScript(host, { name: "hi", kind: "worker", source: "export const main = async () => 1;" });
 * outcome.status; // "completed"
 * ```
 */
export const runScript = async (host: Host, submission: Submission): Promise<ScriptOutcome> => {
  // A script is a one-module plugin: its folder holds it and a package.json.
  const folder = await mkdtemp(join(tmpdir(), "padded-cell-script-"));
  await writeFile(
    join(folder, "package.json"),
    JSON.stringify({ name: submission.name, type: "module" }),
  );
  await writeFile(join(folder, "script.js"), submission.source);
  const cell = (await host.createCell({
    name: submission.name,
    isolation: submission.kind,
    root: folder,
    // Memory limits need a process wall; a worker script gets the others.
    limits: submission.kind === "process" ? SCRIPT_LIMITS : WORKER_LIMITS,
    grants: { input: makeInput() },
  })) as WalledCell;
  const { name, kind } = submission;
  try {
    const result = await cell.run("./script.js");
    await cell.revoke("script finished");
    const fate = await cell.fate;
    return harden({ name, kind, status: "completed", result, fate, output: cell.output().stdout });
  } catch (error) {
    // The wall ended (a limit, a crash: the fate says which) or the script threw.
    await cell.revoke("script failed");
    const fate = await cell.fate;
    const status = STOPPED.has(fate.kind) ? "stopped" : "failed";
    const output = cell.output().stdout;
    return harden({ name, kind, status, fate, output, error: toDenial(error) });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
};

/** What the script-runner example did. */
export interface ScriptRunnerResult {
  readonly outcomes: readonly ScriptOutcome[];
  /** Host timer ticks (every 25 ms) while the scripts ran: the host kept serving. */
  readonly hostTicks: number;
}

/** Options of {@link runScriptRunner}. */
export interface ScriptRunnerOptions {
  readonly host: Host;
  readonly narrator: Narrator;
  /** Scripts to run (default {@link SAMPLE_SCRIPTS}). */
  readonly scripts?: readonly Submission[];
}

/**
 * Runs the script-runner example.
 *
 * @example
 * ```ts
 * const { outcomes } = await runScriptRunner({ host, narrator: makeRecordingNarrator() });
 * outcomes.find((o) => o.name === "spin")?.fate.code; // "CELL_CPU_EXCEEDED"
 * ```
 */
export async function runScriptRunner(options: ScriptRunnerOptions): Promise<ScriptRunnerResult> {
  const { host, narrator } = options;
  const scripts = options.scripts ?? SAMPLE_SCRIPTS;
  narrator.section(
    "3. Untrusted-script runner",
    `User scripts run in worker and process cells (${SCRIPT_LIMITS.cpuMs} ms CPU and ${SCRIPT_LIMITS.wallMs} ms wall clock each; a ${SCRIPT_LIMITS.memoryMb} MiB heap, and as much off it, in process cells).`,
  );
  for (const s of scripts) narrator.grant(s.name, `${s.kind} cell; input: numbers() and text()`);
  let hostTicks = 0;
  const ticker = setInterval(() => (hostTicks += 1), 25);
  let outcomes: ScriptOutcome[];
  try {
    outcomes = await narrator.progress(`running ${scripts.length} scripts at once`, () =>
      Promise.all(scripts.map((script) => runScript(host, script))),
    );
  } finally {
    clearInterval(ticker);
  }
  for (const o of outcomes) {
    if (o.status === "completed") {
      narrator.did(o.name, `finished in a ${o.kind} cell: ${JSON.stringify(o.result)}`);
    } else if (o.status === "stopped") {
      narrator.denied(o.name, `was stopped (${o.fate.kind})`, {
        code: o.fate.code,
        message: o.fate.message,
      });
    } else {
      narrator.denied(o.name, "failed", o.error ?? { code: o.fate.code, message: o.fate.message });
    }
  }
  narrator.note(`the host's own timer ticked ${hostTicks} times meanwhile: it was never blocked`);
  return harden({ outcomes, hostTicks });
}
