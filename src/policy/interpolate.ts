// `${VAR}` and `${VAR:-default}` in a Provider's baseUrl, as a shell would expand them (`:-` also applies
// when the variable is set but empty).

export type Interpolated = { ok: true; value: string } | { ok: false; unset: string[] };

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): Interpolated {
  const unset: string[] = [];
  const value = text.replace(REFERENCE, (_whole, name: string, fallback: string | undefined) => {
    const current = Object.hasOwn(env, name) ? env[name] : undefined;
    if (fallback !== undefined) return current === undefined || current === '' ? fallback : current;
    if (current === undefined) {
      unset.push(name);
      return '';
    }
    return current;
  });
  return unset.length > 0 ? { ok: false, unset } : { ok: true, value };
}

/** Whether `url` is an absolute http(s) URL. */
export function isHttpUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const protocol = new URL(url).protocol;
  return protocol === 'http:' || protocol === 'https:';
}
