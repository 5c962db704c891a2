// The view stays consistent even when the engine breaks its own rules.
import { expect, test } from "vitest";
import { makeMembrane } from "../src/index.js";

test("invariant 3 holds when V8 loosens a sealed array (redefining one element makes the others configurable)", () => {
  const arr = [0, { index: 0 }];
  const view = makeMembrane("quirks").wrap(arr) as unknown[];
  Object.seal(arr);
  Reflect.ownKeys(view); // the view mirrors the sealed elements as fixed
  expect(
    Reflect.defineProperty(view, "1", {
      value: 5,
      writable: false,
      enumerable: true,
      configurable: false,
    }),
  ).toBe(true);
  // The engine now reports arr[0] as configurable again; the view must not.
  expect(Object.getOwnPropertyDescriptor(arr, "0")?.configurable).toBe(true);
  expect(Object.getOwnPropertyDescriptor(view, "0")).toEqual({
    value: 0,
    writable: true,
    enumerable: true,
    configurable: false,
  });
  expect([Object.isFrozen(view), Object.isSealed(view)]).toEqual([false, true]);
  expect(Reflect.ownKeys(view)).toEqual(["0", "1", "length"]);
});
