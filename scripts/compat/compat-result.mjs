// How the compatibility runner compares results: an encoding that keeps key
// order (so reordered records count as a difference) and tells apart values
// JSON would merge (undefined, NaN, -0, Infinity, dates, bytes).
//
// It does not compare functions or class identities: corpus plugins return
// data, as a plugin result that crosses a wall must be.

/** Encodes `value` as JSON text, keeping key order. */
export const encodeResult = (value) =>
  JSON.stringify(value, function replace(key, v) {
    const raw = this[key];
    if (raw === undefined) return { $undefined: true };
    if (typeof raw === "number" && !Number.isFinite(raw)) return { $number: String(raw) };
    if (Object.is(raw, -0)) return { $number: "-0" };
    if (typeof raw === "bigint") return { $bigint: String(raw) };
    if (raw instanceof Date)
      return { $date: Number.isNaN(raw.getTime()) ? "invalid" : raw.toISOString() };
    if (ArrayBuffer.isView(raw))
      return { $bytes: Array.from(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)) };
    return v;
  });

/** `text` (from encodeResult) with every record's keys sorted. */
export const sortedKeys = (text) =>
  JSON.stringify(JSON.parse(text), (_key, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
