// The joke bot: granted `http` for the jokes API only.
export async function reply(message) {
  if (!/joke/i.test(message)) return undefined;
  const res = await fetch(`${caps.config.api}/jokes/random`);
  const { joke } = await res.json();
  return joke;
}
