/**
 * Validates policy files and plugin manifests against their published JSON
 * Schemas (packages/host/schemas, draft 2020-12) with ajv, and turns the
 * first violation into one precise message: the file as the user named it,
 * the field as a JSON pointer, and what was expected there.
 *
 * Invariants:
 * 1. Nothing unvalidated leaves this file: a value is returned only if it
 *    matches the schema, and then as a hardened deep copy.
 * 2. A message quotes only the file label, the pointer and the schema's
 *    expectation (never the offending value, which may be huge or hold
 *    control characters).
 *
 * It does not read files (see `policy-file.ts` and `manifest-file.ts`).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Ajv2020 as Ajv2020Class, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { CellError } from "@padded-cell/membrane";

/** Which published schema. */
export type SchemaKind = "policy" | "manifest";

const CODES: Readonly<Record<SchemaKind, string>> = {
  policy: "POLICY_INVALID",
  manifest: "MANIFEST_INVALID",
};

const validators = new Map<SchemaKind, ValidateFunction>();

const validatorFor = (kind: SchemaKind): ValidateFunction => {
  let validate = validators.get(kind);
  if (validate === undefined) {
    const url = new URL(`../../schemas/${kind}.schema.json`, import.meta.url);
    const schema = JSON.parse(readFileSync(url, "utf8")) as object;
    // ajv loads when a policy or manifest is first checked, not with the host.
    const { Ajv2020 } = createRequire(import.meta.url)("ajv/dist/2020.js") as {
      Ajv2020: typeof Ajv2020Class;
    };
    validate = new Ajv2020({ strict: true, allErrors: false, verbose: true }).compile(schema);
    validators.set(kind, validate);
  }
  return validate;
};

const escapePointer = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** What was expected, in words, for one ajv error. */
const expectation = (error: ErrorObject): { pointer: string; expected: string } => {
  const at = error.instancePath === "" ? "" : error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties":
      return {
        pointer: `${at}/${escapePointer(String(params.additionalProperty))}`,
        expected: "no such field here (check the spelling; unknown fields are refused)",
      };
    case "required":
      return {
        pointer: `${at}/${escapePointer(String(params.missingProperty))}`,
        expected: "this field, which is required",
      };
    case "propertyNames":
      return {
        pointer: `${at}/${escapePointer(String(params.propertyName))}`,
        expected: "a plugin name: 1 to 100 letters, digits, spaces and . _ - @ /",
      };
    case "enum":
      return {
        pointer: at,
        expected: `one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "pattern": {
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      return {
        pointer: at,
        expected: description ?? `a string matching ${String(params.pattern)}`,
      };
    }
    case "type":
      return { pointer: at, expected: `a value of type ${String(params.type)}` };
    case "uniqueItems":
      return {
        pointer: at,
        expected: `no duplicate entries (items ${String(params.j)} and ${String(params.i)} are equal)`,
      };
    default:
      return {
        pointer: at,
        expected: `a value that ${error.message ?? `satisfies ${error.keyword}`}`,
      };
  }
};

/**
 * Checks `value` against the policy or manifest schema; returns it
 * hardened, or throws `POLICY_INVALID` / `MANIFEST_INVALID` naming file,
 * field and expectation.
 *
 * @param label - the file as the user named it (for the message).
 * @example
 * ```ts
 * const policy = checkAgainstSchema("policy", JSON.parse(text), "./policy.json");
 * ```
 */
export function checkAgainstSchema<T>(kind: SchemaKind, value: unknown, label: string): T {
  const validate = validatorFor(kind);
  // Invariant 1: validate a private copy, so later changes of the caller's object cannot matter.
  const copy: unknown = JSON.parse(JSON.stringify(value) ?? "null");
  if (!validate(copy)) {
    const first = validate.errors?.[0];
    const { pointer, expected } =
      first === undefined ? { pointer: "", expected: "a valid document" } : expectation(first);
    throw schemaError(kind, label, pointer, expected);
  }
  return harden(copy) as T;
}

/**
 * The error for an invalid file: `<file>: <pointer>: expected <what>`.
 *
 * @example
 * ```ts
 * throw schemaError("policy", "./p.json", "", "JSON (Unexpected token at position 3)");
 * ```
 */
export function schemaError(
  kind: SchemaKind,
  label: string,
  pointer: string,
  expected: string,
): CellError {
  const field = pointer === "" ? "/" : pointer;
  const what = kind === "policy" ? "policy file" : "plugin manifest";
  return new CellError(CODES[kind], `Invalid ${what} ${label}: at ${field}: expected ${expected}.`);
}
