/**
 * Sizes and durations as people write them on a command line or in a policy
 * file: `64mb`, `512kb`, `2s`, `1500ms`, `1m`.
 *
 * Invariants:
 * 1. Only the exact grammar `<digits>[.<digits>]<unit>` is accepted (no
 *    exponent, no sign, no spaces), and results are finite, positive and at
 *    most 2^40 bytes / 2^31 ms, so a typo never becomes "unlimited".
 *
 * It does not decide defaults.
 */
import { CellError } from "@padded-cell/membrane";

const SIZE = /^([0-9]{1,12}(?:\.[0-9]{1,6})?)(b|kb|mb|gb)$/i;
const TIME = /^([0-9]{1,12}(?:\.[0-9]{1,6})?)(ms|s|m)$/i;
const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
};
const TIME_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };
const MAX_BYTES = 2 ** 40;
const MAX_MS = 2 ** 31 - 1;

const parse = (
  text: string,
  grammar: RegExp,
  units: Readonly<Record<string, number>>,
  max: number,
  what: string,
): number => {
  const match = grammar.exec(String(text));
  const unit = units[(match?.[2] ?? "").toLowerCase()];
  const value = match === null || unit === undefined ? NaN : Math.ceil(Number(match[1]) * unit);
  if (!Number.isFinite(value) || value < 1 || value > max) {
    throw new CellError(
      "CLI_USAGE",
      `${JSON.stringify(String(text).slice(0, 40))} is not a ${what}.`,
    );
  }
  return value;
};

/**
 * Parses a size (`b`, `kb`, `mb`, `gb`; binary multiples) into bytes.
 *
 * @example
 * ```ts
 * parseSize("64mb"); // 67108864
 * ```
 */
export function parseSize(text: string): number {
  return parse(text, SIZE, SIZE_UNITS, MAX_BYTES, "size like 64mb, 512kb or 1gb");
}

/**
 * Parses a duration (`ms`, `s`, `m`) into milliseconds.
 *
 * @example
 * ```ts
 * parseDuration("2s"); // 2000
 * ```
 */
export function parseDuration(text: string): number {
  return parse(text, TIME, TIME_UNITS, MAX_MS, "duration like 500ms, 2s or 1m");
}
