// Compiles and renders Handlebars templates with a helper and a partial.
import Handlebars from "handlebars";
export function main() {
  const hb = Handlebars.create();
  hb.registerHelper("upper", (s) => String(s).toUpperCase());
  hb.registerPartial("item", "<li>{{upper name}}</li>");
  const template = hb.compile(
    "<h1>{{title}}</h1><ul>{{#each items}}{{> item}}{{/each}}</ul>{{{raw}}}{{esc}}",
  );
  return template({
    title: "List",
    items: [{ name: "a" }, { name: "b" }],
    raw: "<b>x</b>",
    esc: "<i>",
  });
}
