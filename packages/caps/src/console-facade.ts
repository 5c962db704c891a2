/**
 * A `console`-shaped object for cells, writing through a stdio capability.
 *
 * Invariants:
 * 1. Arguments are formatted with {@link formatValues}: no guest getter,
 *    `toString`, `valueOf` or proxy trap runs, and each line is bounded.
 * 2. The facade holds only the guest side of stdio; it cannot read output.
 * 3. A console call never throws because output failed (a revoked or full
 *    stdio is silent, as a closed terminal is), except when the write
 *    throws `CELL_OUTPUT_LIMIT` at once (a wall's output limit: a logging
 *    loop that never yields must stop there, or its output could never be
 *    flushed to the host that ends it); members it does not provide throw
 *    `CONSOLE_NOT_SUPPORTED` naming the member.
 * 5. The facade can be handed to a cell as it is (so it formats the cell's
 *    own values, not membrane views of them): it is hardened, returns
 *    nothing, and what it throws is an intrinsic `Error` (name `CellError`,
 *    own `code`), never an instance of a host class.
 * 4. `trace` prints its message but never a stack (stacks hold host paths).
 *
 * It does not provide `time`/`timeEnd` (they need a clock grant), `profile`
 * or inspector hooks.
 */
import { isCellError } from "@padded-cell/membrane";
import { formatValues, type FormatOptions } from "./console-format.js";
import type { StdioCap, StdioStream } from "./stdio-cap.js";

/** The members of the console facade. */
export interface ConsoleFacade {
  /** Print to stdout. */
  log(...args: unknown[]): void;
  /** Print to stdout. */
  info(...args: unknown[]): void;
  /** Print to stdout. */
  debug(...args: unknown[]): void;
  /** Print to stderr. */
  warn(...args: unknown[]): void;
  /** Print to stderr. */
  error(...args: unknown[]): void;
  /** Print "Trace: ..." to stderr, without a stack. */
  trace(...args: unknown[]): void;
  /** Print one value to stdout. */
  dir(value?: unknown): void;
  /** Print the value to stdout (no table layout). */
  table(data?: unknown): void;
  /** Print "Assertion failed: ..." to stderr when `condition` is falsy. */
  assert(condition?: unknown, ...args: unknown[]): void;
  /** Print the label and indent later output. */
  group(...label: unknown[]): void;
  /** Same as `group`. */
  groupCollapsed(...label: unknown[]): void;
  /** Undo one `group`. */
  groupEnd(): void;
  /** Print how often this label was counted. */
  count(label?: unknown): void;
  /** Reset a label's count. */
  countReset(label?: unknown): void;
  /** Not provided: throws `CONSOLE_NOT_SUPPORTED` (needs a clock grant). */
  time(label?: unknown): never;
  /** Not provided: throws `CONSOLE_NOT_SUPPORTED`. */
  timeEnd(label?: unknown): never;
  /** Not provided: throws `CONSOLE_NOT_SUPPORTED`. */
  timeLog(label?: unknown): never;
}

const MAX_GROUP_DEPTH = 32;
const MAX_COUNTERS = 1000;

/**
 * Make a `console` for a cell from a stdio capability.
 *
 * @example
 * ```ts
 * const { cap, host } = makeStdio();
 * const console = makeConsoleFacade(cap);
 * console.log("sum", 1 + 1, { ok: true });
 * host.read().stdout; // "sum 2 { ok: true }\n"
 * ```
 */
export function makeConsoleFacade(stdioCap: StdioCap, options: FormatOptions = {}): ConsoleFacade {
  const write = stdioCap.write;
  let indent = "";
  const counts = new Map<string, number>();

  const print = (stream: StdioStream, text: string) => {
    const lines = indent
      ? text
          .split("\n")
          .map((l) => indent + l)
          .join("\n")
      : text;
    try {
      const p: unknown = Reflect.apply(write, stdioCap, [stream, `${lines}\n`]);
      if (p instanceof Promise) p.catch(() => undefined);
    } catch (error) {
      // Invariant 3: output failures are silent, as with a closed terminal,
      // except a wall's output limit.
      if (isCellError(error, "CELL_OUTPUT_LIMIT")) throw error;
    }
  };
  const fmt = (args: readonly unknown[]) => formatValues(args, options);
  const label = (l: unknown) =>
    l === undefined ? "default" : typeof l === "string" ? l : fmt([l]);
  const notSupported = (member: string): never => {
    // Invariant 5: an intrinsic error, shaped as a CellError.
    const error = new Error(
      `console.${member} is not available in this cell; it needs a clock capability.`,
    );
    Object.defineProperties(error, {
      name: { value: "CellError", writable: true, configurable: true },
      code: {
        value: "CONSOLE_NOT_SUPPORTED",
        enumerable: true,
        writable: true,
        configurable: true,
      },
    });
    throw error;
  };

  return harden({
    log: (...args: unknown[]) => print("stdout", fmt(args)),
    info: (...args: unknown[]) => print("stdout", fmt(args)),
    debug: (...args: unknown[]) => print("stdout", fmt(args)),
    warn: (...args: unknown[]) => print("stderr", fmt(args)),
    error: (...args: unknown[]) => print("stderr", fmt(args)),
    trace: (...args: unknown[]) => print("stderr", `Trace${args.length ? `: ${fmt(args)}` : ""}`),
    dir: (value?: unknown) => print("stdout", fmt([value])),
    // Fallback: a table is printed as the formatted value.
    table: (data?: unknown) => print("stdout", fmt([data])),
    assert: (condition?: unknown, ...args: unknown[]) => {
      if (!condition) print("stderr", `Assertion failed${args.length ? `: ${fmt(args)}` : ""}`);
    },
    group: (...args: unknown[]) => {
      if (args.length) print("stdout", fmt(args));
      if (indent.length < MAX_GROUP_DEPTH * 2) indent += "  ";
    },
    groupCollapsed: (...args: unknown[]) => {
      if (args.length) print("stdout", fmt(args));
      if (indent.length < MAX_GROUP_DEPTH * 2) indent += "  ";
    },
    groupEnd: () => {
      indent = indent.slice(2);
    },
    count: (l?: unknown) => {
      const key = label(l);
      if (!counts.has(key) && counts.size >= MAX_COUNTERS) counts.clear();
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      print("stdout", `${key}: ${n}`);
    },
    countReset: (l?: unknown) => {
      counts.delete(label(l));
    },
    time: () => notSupported("time"),
    timeEnd: () => notSupported("timeEnd"),
    timeLog: () => notSupported("timeLog"),
  });
}
