// Renders Markdown to HTML with markdown-it, including tables and HTML.
import MarkdownIt from "markdown-it";
export function main() {
  const md = new MarkdownIt({ html: true, linkify: true, typographer: true });
  return {
    html: md.render(
      '# Hi\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<!-- c --> "quoted" -- see https://example.com\n',
    ),
    inline: md.renderInline("*x* & y"),
  };
}
