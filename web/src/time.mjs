// Times as the examples and the page give them. (The evidence directory's layout is read inside
// the component: a host hands over its files as a listing, see runner.mjs `listing`.)

/** RFC 3339 (whole seconds or with a fraction) to nanoseconds since the epoch, as a decimal string. */
export function rfc3339ToNs(text) {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(text.trim());
  if (!m) throw new Error(`not an RFC 3339 time: ${text}`);
  const ms = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
  if (Number.isNaN(ms)) throw new Error(`not a valid time: ${text}`);
  const frac = BigInt((m[2] ?? '').padEnd(9, '0'));
  return (BigInt(ms) * 1000000n + frac).toString();
}

/** The default evaluation time of the examples (tests/src/lib.rs DEFAULT_NOW). */
export const DEFAULT_NOW = '2026-01-01T00:00:00Z';
