/**
 * Example 3: an untrusted-script runner. Users submit scripts; each runs in
 * its own worker-thread or child-process cell with memory, CPU and time
 * limits. An infinite loop and a memory bomb are stopped and reported, while
 * the runner (the host's event loop) keeps serving the other scripts.
 *
 * It uses `startWall` from @padded-cell/host: `createCell({ isolation })`
 * was not wired to walls when this example was written. The scripts are the
 * same either way: `export const main = async (caps) => ...`.
 *
 * Invariants shown (and tested in test/script-runner.test.ts):
 * 1. A script that exceeds its CPU budget ends with CELL_CPU_EXCEEDED, one
 *    that exceeds its heap with CELL_OUT_OF_MEMORY; neither stops the host.
 * 2. Other scripts, started before, during and after, complete normally.
 * 3. A script reaches only its grant (`caps.input`); it has no `process`,
 *    `require` or file system.
 *
 * The well-behaved scripts run in process cells, whose CPU budget is real
 * CPU time; a worker's budget is the time its event loop was busy, which on
 * a starved machine also counts time spent waiting for a CPU (see the
 * Isolation levels guide), so it suits stopping a runaway loop better than
 * metering honest work.
 *
 * It does not queue or rate-limit submissions; it runs them all at once.
 */
import { startWall, type CellFate, type WallKind } from "@padded-cell/host";
import type { Narrator } from "./tour-output.js";
import { toDenial, type Denial } from "./tour-output.js";

/** A submitted script. */
export interface Submission {
  /** A name for messages. */
  readonly name: string;
  /** Where it runs. */
  readonly kind: WallKind;
  /** An ES module exporting `main(caps)`. */
  readonly source: string;
}

/** What became of a script. */
export interface ScriptOutcome {
  readonly name: string;
  readonly kind: WallKind;
  /** `main`'s result when it completed. */
  readonly result?: unknown;
  /** How the cell ended (`ok` when the runner terminated it after success). */
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
  wallMs: 10_000,
  maxOutputBytes: 16_384,
});

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
    kind: "worker",
    source: `export const main = async () => {
  const hoard = [];
  for (;;) hoard.push(new Array(1 << 16).fill(hoard.length));
};`,
  },
  {
    name: "escape",
    kind: "process",
    source: `export const main = async () => ({
  process: typeof process,
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

/** Runs one script to its end and reports its fate. */
export const runScript = async (submission: Submission): Promise<ScriptOutcome> => {
  let output = "";
  const wall = await startWall({
    kind: submission.kind,
    name: submission.name,
    grants: { input: makeInput() },
    limits: SCRIPT_LIMITS,
    onOutput: (_stream, text) => void (output += text),
  });
  try {
    const result = await wall.run(submission.source);
    const fate = await wall.terminate("script finished");
    return harden({ name: submission.name, kind: submission.kind, result, fate, output });
  } catch (error) {
    // The wall ended (a limit, a crash: the fate says which) or the script threw.
    const fate = await Promise.race([wall.fate, wall.terminate("script failed")]);
    return harden({
      name: submission.name,
      kind: submission.kind,
      fate,
      output,
      error: toDenial(error),
    });
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
  readonly narrator: Narrator;
  /** Scripts to run (default {@link SAMPLE_SCRIPTS}). */
  readonly scripts?: readonly Submission[];
}

/**
 * Runs the script-runner example.
 *
 * @example
 * ```ts
 * const { outcomes } = await runScriptRunner({ narrator: makeRecordingNarrator() });
 * outcomes.find((o) => o.name === "spin")?.fate.code; // "CELL_CPU_EXCEEDED"
 * ```
 */
export async function runScriptRunner(options: ScriptRunnerOptions): Promise<ScriptRunnerResult> {
  const { narrator } = options;
  const scripts = options.scripts ?? SAMPLE_SCRIPTS;
  narrator.section(
    "3. Untrusted-script runner",
    `User scripts run in worker and process cells (${SCRIPT_LIMITS.memoryMb} MiB heap, ${SCRIPT_LIMITS.cpuMs} ms CPU, ${SCRIPT_LIMITS.wallMs} ms wall clock each).`,
  );
  for (const s of scripts) narrator.grant(s.name, `${s.kind} cell; input: numbers() and text()`);
  let hostTicks = 0;
  const ticker = setInterval(() => (hostTicks += 1), 25);
  let outcomes: ScriptOutcome[];
  try {
    outcomes = await narrator.progress(`running ${scripts.length} scripts at once`, () =>
      Promise.all(scripts.map(runScript)),
    );
  } finally {
    clearInterval(ticker);
  }
  for (const o of outcomes) {
    if (o.fate.kind === "ok" && o.error !== undefined) {
      narrator.denied(o.name, "failed", o.error);
    } else if (o.fate.kind === "ok") {
      narrator.did(o.name, `finished in a ${o.kind} cell: ${JSON.stringify(o.result)}`);
    } else {
      narrator.denied(o.name, `was stopped (${o.fate.kind})`, {
        code: o.fate.code,
        message: o.fate.message,
      });
    }
  }
  narrator.note(`the host's own timer ticked ${hostTicks} times meanwhile: it was never blocked`);
  return harden({ outcomes, hostTicks });
}
