/**
 * Quota counters for directory capabilities: how much a capability (and every
 * capability derived from it) has made its directory grow.
 *
 * Invariants:
 * 1. A charge is checked against every quota in the chain before any is
 *    changed, so a nested `withQuota` can only narrow: the outer limit still
 *    applies to writes through the inner capability.
 * 2. Charges are taken before the write they pay for (synchronously, so two
 *    concurrent writes cannot both see the same room), and given back if the
 *    write fails.
 *
 * It does not measure the directory: it counts net growth caused through the
 * capability (bytes written minus bytes removed, entries created minus entries
 * removed). Changes made by the host or other capabilities are not counted.
 */
import { fsError } from "./fs-error-codes.js";
import type { FsQuota } from "./fs-types.js";

/** One quota's mutable counters (host-side only; never given to a cell). */
export interface QuotaCounter {
  readonly limit: FsQuota;
  used: { bytes: number; files: number };
}

/**
 * Make a counter for a limit, after checking the limit is two non-negative
 * safe integers (read once each, so a getter cannot answer twice).
 *
 * @example
 * ```ts
 * const q = makeQuotaCounter({ bytes: 1024, files: 10 });
 * chargeQuotas([q], 100, 1, "writeFile /a.txt"); // ok; q.used is { bytes: 100, files: 1 }
 * ```
 */
export function makeQuotaCounter(limit: unknown): QuotaCounter {
  if (typeof limit !== "object" || limit === null) {
    throw fsError("FS_BAD_ARGUMENT", "withQuota: expected { bytes, files }.");
  }
  const { bytes, files } = limit as { bytes: unknown; files: unknown };
  for (const [k, v] of [
    ["bytes", bytes],
    ["files", files],
  ] as const) {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw fsError("FS_BAD_ARGUMENT", `withQuota: ${k} must be a non-negative integer.`);
    }
  }
  return {
    limit: harden({ bytes: bytes as number, files: files as number }),
    used: { bytes: 0, files: 0 },
  };
}

/**
 * Charge `bytes` and `files` (either may be negative, a refund) to every
 * quota, or throw `FS_QUOTA_EXCEEDED` and charge none.
 *
 * @example
 * ```ts
 * chargeQuotas(quotas, data.length, 1, "writeFile /a.txt");
 * ```
 */
export function chargeQuotas(
  quotas: readonly QuotaCounter[],
  bytes: number,
  files: number,
  what: string,
): void {
  for (const q of quotas) {
    if (bytes > 0 && q.used.bytes + bytes > q.limit.bytes) {
      throw fsError(
        "FS_QUOTA_EXCEEDED",
        `${what} denied: it would grow the directory by ${q.used.bytes + bytes} bytes, over the quota of ${q.limit.bytes}; remove files through this capability or ask the host for a larger withQuota({ bytes }).`,
      );
    }
    if (files > 0 && q.used.files + files > q.limit.files) {
      throw fsError(
        "FS_QUOTA_EXCEEDED",
        `${what} denied: it would create more than the quota of ${q.limit.files} files and directories; remove some through this capability or ask the host for a larger withQuota({ files }).`,
      );
    }
  }
  for (const q of quotas) {
    q.used.bytes += bytes;
    q.used.files += files;
  }
}
