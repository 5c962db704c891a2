// Parses untrusted input with a zod schema.
import { z } from "zod";
export function main() {
  const User = z.object({
    name: z.string().min(2),
    email: z.string().email(),
    tags: z.array(z.string()).default([]),
    age: z.number().int().positive().optional(),
  });
  const ok = User.parse({ name: "ada", email: "ada@example.com" });
  const bad = User.safeParse({ name: "a", email: "nope", age: -3 });
  return {
    ok,
    issues: bad.success ? [] : bad.error.issues.map((i) => `${i.path.join(".")}: ${i.code}`),
  };
}
