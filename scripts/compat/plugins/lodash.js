// Groups and summarises order records, as a reporting plugin would.
import _ from "lodash";
export function main() {
  const orders = [
    { id: 1, customer: "ada", total: 30, tags: ["a", "b"] },
    { id: 2, customer: "bob", total: 12, tags: ["b"] },
    { id: 3, customer: "ada", total: 7, tags: ["c", "a"] },
  ];
  const byCustomer = _.mapValues(_.groupBy(orders, "customer"), (rows) => _.sumBy(rows, "total"));
  return {
    byCustomer,
    tags: _.uniq(_.flatMap(orders, "tags")).sort(),
    chunks: _.chunk([1, 2, 3, 4, 5], 2),
    merged: _.merge({ a: { b: 1 } }, { a: { c: 2 } }),
    template: _.template("hello <%= name %>!")({ name: "cell" }),
    camel: _.camelCase("Foo Bar-baz"),
    debounced: typeof _.debounce(() => {}, 10),
  };
}
