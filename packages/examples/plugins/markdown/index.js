// A static-site plugin: renders every Markdown page of `caps.docs` to HTML in
// `caps.out`, with the unmodified npm package markdown-it.
//
// It runs in a cell: it holds only what the host granted (`caps.docs`, a
// read-only directory, and `caps.out`, a writable one) and cannot name any
// other file.
import MarkdownIt from "markdown-it";

const md = new MarkdownIt({ html: false, linkify: true });

const escapeHtml = (text) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

const titleOf = (source, fallback) => /^#\s+(.+)$/m.exec(source)?.[1]?.trim() ?? fallback;

const page = (title, body) =>
  `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body>\n${body}</body></html>\n`;

/** Renders `/*.md` of `caps.docs` into `/*.html` of `caps.out`, plus an index. */
export async function main(caps) {
  const pages = [];
  for (const entry of await caps.docs.readdir("/")) {
    if (entry.type !== "file" || !entry.name.endsWith(".md")) continue;
    const source = await caps.docs.readFile(`/${entry.name}`, { encoding: "utf8" });
    const title = titleOf(source, entry.name);
    const target = `/${entry.name.slice(0, -".md".length)}.html`;
    const html = page(title, md.render(source));
    await caps.out.writeFile(target, html);
    pages.push({ source: `/${entry.name}`, target, title, bytes: html.length });
  }
  pages.sort((a, b) => a.source.localeCompare(b.source));
  const list = pages
    .map((p) => `<li><a href=".${p.target}">${escapeHtml(p.title)}</a></li>`)
    .join("\n");
  await caps.out.writeFile("/index.html", page("Contents", `<ul>\n${list}\n</ul>\n`));
  return pages;
}
