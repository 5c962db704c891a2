/**
 * `padded-cell doctor`: which isolation levels this machine supports, and
 * for one it cannot run, what is missing and how to enable it.
 *
 * It starts no cell: the compartment, worker and process levels need only
 * Node.js, and the jail's answer comes from the host's own check
 * (`jailSupport`), which starts and ends one empty jail.
 */
import type { JailSupport } from "@padded-cell/host";

/**
 * The report, one line per isolation level.
 *
 * @example
 * ```ts
 * process.stdout.write(doctorReport(jailSupport()));
 * ```
 */
export const doctorReport = (jail: JailSupport): string => {
  const lines = [
    `padded-cell doctor (Node.js ${process.version}, ${process.platform})`,
    "  compartment  yes",
    "  worker       yes (CPU and time limits; no memory limit: use process)",
    "  process      yes",
    jail.ok
      ? "  jail         yes"
      : `  jail         no: ${jail.missing} is missing; to enable it, ${jail.enable}`,
  ];
  return `${lines.join("\n")}\n`;
};
