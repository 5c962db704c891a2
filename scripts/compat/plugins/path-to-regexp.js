// Matches and builds route paths.
import { match, compile, pathToRegexp } from "path-to-regexp";
export function main() {
  const m = match("/users/:id/posts/:post?", { decode: decodeURIComponent });
  return {
    match: m("/users/42/posts/hello%20world"),
    built: compile("/files/:path*")({ path: ["a", "b"] }),
    source: pathToRegexp("/x/:y").source,
  };
}
