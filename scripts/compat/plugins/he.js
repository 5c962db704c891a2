// Encodes and decodes HTML entities.
import he from "he";
export function main() {
  return {
    encoded: he.encode("foo © bar ≠ baz 𝌆 qux <b>"),
    decoded: he.decode("&lt;p&gt;caf&eacute; &#x1D306; &amp;&nbsp;"),
  };
}
