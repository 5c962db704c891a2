// Parses and builds XML.
import { XMLParser, XMLBuilder } from "fast-xml-parser";
export function main() {
  const xml =
    '<?xml version="1.0"?><feed><entry id="1"><title>A &amp; B</title></entry><entry id="2"><title>C</title></entry></feed>';
  const parsed = new XMLParser({ ignoreAttributes: false }).parse(xml);
  return {
    parsed,
    built: new XMLBuilder({ ignoreAttributes: false }).build({
      root: { "@_v": "1", item: ["x", "y"] },
    }),
  };
}
