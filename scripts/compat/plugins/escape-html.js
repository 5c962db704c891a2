// Escapes text for HTML.
import escapeHtml from "escape-html";
export function main() {
  return escapeHtml(`<a href="x">Tom & 'Jerry'</a>`);
}
