/**
 * Where audit records go: an in-memory ring buffer, a JSON-lines file, or a
 * callback (any function taking a record).
 *
 * Invariants:
 * 1. A sink never holds cell objects: records are plain data made by the
 *    `audited` attenuator (type and size of arguments, never values).
 * 2. A ring buffer never grows past its capacity; a file sink appends one
 *    line per record and never throws into the audited call (failures are
 *    counted and reported by `close()`).
 */
import { appendFileSync } from "node:fs";
import type { AuditRecord } from "@padded-cell/caps";
import { CellError } from "@padded-cell/membrane";

/** One audited capability use, with the cell and grant it belongs to. */
export interface CellAuditRecord extends AuditRecord {
  /** The cell's name. */
  readonly cell: string;
  /** The grant's name. */
  readonly grant: string;
}

/** Receives audit records. */
export type CellAuditSink = (record: CellAuditRecord) => void;

/** An in-memory ring buffer of the latest records. */
export interface MemoryAuditSink {
  /** Pass this as the host's `audit` option. */
  readonly sink: CellAuditSink;
  /** The records kept, oldest first. */
  records(): CellAuditRecord[];
}

/**
 * Keeps the latest `capacity` records in memory.
 *
 * @example
 * ```ts
 * const audit = makeMemoryAuditSink(1000);
 * const host = await createHost({ audit: audit.sink });
 * // ... run cells ...
 * console.table(audit.records());
 * ```
 */
export function makeMemoryAuditSink(capacity = 10_000): MemoryAuditSink {
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new CellError("CELL_BAD_OPTIONS", "An audit ring buffer needs a capacity of at least 1.");
  }
  const ring: CellAuditRecord[] = [];
  let next = 0;
  return harden({
    sink(record: CellAuditRecord) {
      if (ring.length < capacity) ring.push(record);
      else ring[next] = record;
      next = (next + 1) % capacity;
    },
    records() {
      return ring.length < capacity ? [...ring] : [...ring.slice(next), ...ring.slice(0, next)];
    },
  });
}

/** A JSON-lines file sink. */
export interface FileAuditSink<R = CellAuditRecord> {
  /** Pass this as the host's `audit` option. */
  readonly sink: (record: R) => void;
  /** How many records could not be written. */
  readonly failures: number;
}

/**
 * Appends one JSON line per record to `path` (a host path, chosen by the host).
 *
 * @example
 * ```ts
 * const host = await createHost({ audit: makeFileAuditSink("/var/log/plugins.jsonl").sink });
 * ```
 */
export function makeFileAuditSink<R = CellAuditRecord>(path: string): FileAuditSink<R> {
  if (typeof path !== "string" || path.length === 0) {
    throw new CellError("CELL_BAD_OPTIONS", "A file audit sink needs a file path.");
  }
  let failures = 0;
  return harden({
    sink(record: R) {
      try {
        appendFileSync(path, `${JSON.stringify(record)}\n`);
      } catch {
        failures += 1;
      }
    },
    get failures() {
      return failures;
    },
  });
}
