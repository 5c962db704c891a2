// Renders logic-less Mustache templates.
import Mustache from "mustache";
export function main() {
  return Mustache.render(
    "Hello {{name}}! {{#items}}[{{.}}]{{/items}}{{^none}} none{{/none}} {{&html}} {{html}}",
    {
      name: "cell",
      items: [1, 2, 3],
      none: [],
      html: "<b>",
    },
  );
}
