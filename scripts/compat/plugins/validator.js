// Validates and sanitises form fields.
import validator from "validator";
export function main() {
  return {
    email: validator.isEmail("ada@example.com"),
    url: validator.isURL("https://example.com/a?b=c"),
    uuid: validator.isUUID("not-a-uuid"),
    escaped: validator.escape("<script>"),
    normalized: validator.normalizeEmail("Ada.Lovelace+x@GMail.com"),
  };
}
