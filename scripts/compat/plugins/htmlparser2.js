// Parses HTML into a DOM and walks it.
import { parseDocument, DomUtils } from "htmlparser2";
export function main() {
  const dom = parseDocument(
    "<html><body><h1 class='t'>Title</h1><p>One <a href='/a'>link</a></p><!-- c --><p>Two</p></body></html>",
  );
  return {
    links: DomUtils.findAll((e) => e.name === "a", dom.children).map((e) => e.attribs.href),
    text: DomUtils.textContent(dom),
    paragraphs: DomUtils.getElementsByTagName("p", dom).length,
  };
}
