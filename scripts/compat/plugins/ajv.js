// Validates records against a JSON schema with ajv (which compiles code).
import Ajv from "ajv";
export function main() {
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile({
    type: "object",
    properties: { name: { type: "string", minLength: 2 }, age: { type: "integer", minimum: 0 } },
    required: ["name"],
    additionalProperties: false,
  });
  const good = validate({ name: "ada", age: 36 });
  const bad = validate({ name: "a", age: -1, extra: true });
  return { good, bad, errors: validate.errors.map((e) => `${e.instancePath} ${e.message}`) };
}
