import { expect, test } from "vitest";

test("tests run in a locked-down realm", () => {
  expect(Object.isFrozen(Array.prototype)).toBe(true);
  expect(typeof harden).toBe("function");
});
