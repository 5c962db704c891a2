// Fuzzy search over records.
import Fuse from "fuse.js";
export function main() {
  const fuse = new Fuse(
    [
      { title: "Old Man's War" },
      { title: "The Lock Artist" },
      { title: "Padded Cells" },
      { title: "Locked In" },
    ],
    { keys: ["title"], includeScore: true, threshold: 0.4 },
  );
  return fuse.search("lock").map((r) => [r.item.title, Math.round(r.score * 1000)]);
}
