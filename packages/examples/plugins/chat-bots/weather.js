// The weather bot. Its cell was granted `http`, which reaches the weather API
// only (so the global `fetch` works for that API and nothing else), and
// `config`, plain data with the API's base URL.
const cityOf = (message) => /weather in ([a-z -]+)/i.exec(message)?.[1]?.trim();

export async function reply(message) {
  const city = cityOf(message);
  if (city === undefined) return undefined;
  const res = await fetch(`${caps.config.api}/weather/${encodeURIComponent(city)}`);
  const { forecast } = await res.json();
  return `${city}: ${forecast}`;
}

/** Tries an API this bot was not given; returns how it went. */
export async function tryJokes() {
  try {
    await fetch(`${caps.config.api}/jokes/random`);
    return { ok: true };
  } catch (error) {
    return { ok: false, code: error.code, message: error.message };
  }
}
