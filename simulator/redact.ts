/** Hides app tokens in anything shown outside the process (HTTP control views, logs). */
export const REDACTED = '***';

export function redactTokens(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactTokens);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = key === 'apptoken' ? REDACTED : redactTokens(inner);
    }
    return out;
  }
  return value;
}
