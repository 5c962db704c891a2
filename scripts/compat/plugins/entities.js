// Encodes and decodes HTML and XML entities.
import { decodeHTML, encodeHTML, escapeUTF8, decodeXML } from "entities";
export function main() {
  return [
    decodeHTML("&amp;&lt;&eacute;&#128512;"),
    encodeHTML("<é & ü>"),
    escapeUTF8("a<b>&c"),
    decodeXML("&apos;&quot;"),
  ];
}
