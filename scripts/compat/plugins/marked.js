// Renders Markdown to HTML with marked.
import { marked } from "marked";
export function main() {
  return {
    html: marked.parse(
      "# Title\n\nSome *text* with `code` and a [link](http://x.test).\n\n- a\n- b\n\n<!-- note -->\n",
    ),
    inline: marked.parseInline("**bold** _em_"),
    tokens: marked.lexer("## h2\n\npara").map((t) => t.type),
  };
}
