// The process wall's framing: corrupt, partial and oversized frames.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeFrame, makeFrameReader } from "../src/wall/wall-frame.js";

const collect = (max: number) => {
  const frames: unknown[] = [];
  const errors: string[] = [];
  const reader = makeFrameReader(
    max,
    (v) => frames.push(v),
    (why) => errors.push(why),
  );
  return { frames, errors, reader };
};

describe("wall frame", () => {
  it("property: frames survive any split of the byte stream", () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (values, cuts) => {
          const clean = values.map((v) => JSON.parse(JSON.stringify(v)) as unknown);
          const bytes = Buffer.from(clean.map(encodeFrame).join(""), "utf8");
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (x, y) => x - y,
          );
          const { frames, errors, reader } = collect(1 << 20);
          let at = 0;
          for (const p of [...points, bytes.length]) {
            reader.push(bytes.subarray(at, p));
            at = p;
          }
          expect(errors).toEqual([]);
          expect(frames).toEqual(clean);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("invariant 1: a corrupt frame is reported once, never thrown, and the reader stops", () => {
    const { frames, errors, reader } = collect(1 << 20);
    expect(() => reader.push(Buffer.from('{"a":1}\n{"b":\u0000}\n{"c":3}\n'))).not.toThrow();
    reader.push(Buffer.from('{"d":4}\n'));
    expect(frames).toEqual([{ a: 1 }]);
    expect(errors).toEqual(["corrupt frame"]);
  });

  it("invariant 2: a frame longer than the limit is cut, across chunks", () => {
    const { frames, errors, reader } = collect(16);
    reader.push(Buffer.from('{"k":"12345'));
    reader.push(Buffer.from("67890123456789"));
    expect(errors).toEqual(["frame too large"]);
    reader.push(Buffer.from('"}\n'));
    expect(frames).toEqual([]);
  });

  it("invariant 2: a complete line over the limit is refused too", () => {
    const { errors, reader } = collect(8);
    reader.push(Buffer.from(`${JSON.stringify("x".repeat(20))}\n`));
    expect(errors).toEqual(["frame too large"]);
  });
});
