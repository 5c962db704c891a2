// Parses and serialises HTTP cookies.
import cookie from "cookie";
export function main() {
  return {
    parsed: cookie.parse("a=1; b=hello%20world; c"),
    header: cookie.serialize("session", "x y", { httpOnly: true, maxAge: 3600, path: "/" }),
  };
}
