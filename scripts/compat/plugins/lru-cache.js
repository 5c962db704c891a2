// Caches values with a bounded LRU.
import { LRUCache } from "lru-cache";
export function main() {
  const cache = new LRUCache({ max: 3 });
  for (const k of ["a", "b", "c", "d"]) cache.set(k, k.toUpperCase());
  cache.get("b");
  cache.set("e", "E");
  return { keys: [...cache.keys()], size: cache.size, hasA: cache.has("a") };
}
