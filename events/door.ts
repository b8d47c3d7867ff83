/**
 * Checks at the door for what would otherwise poison an event later, each naming the field at fault:
 * - NUL characters and lone surrogates: PostgreSQL rejects them in text and JSON, and Temporal refuses ids and search
 *   attributes that are not valid UTF-8, on every retry;
 * - a `__proto__` property name: assigned anywhere as a key, it would replace an object's prototype;
 * - nesting deeper than a real event ever needs, which recursive code (payload conversion, JSON in SQL) cannot take;
 * - Segment's size limit of one event.
 */

export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_NESTING_DEPTH = 32;

/**
 * Problems of one raw event, `prefix` naming it (e.g. `batch[3]`); empty when it may go on to validation.
 * `maxBytes: null` leaves the size to the caller (a webhook body has a limit of its own).
 */
export function doorProblems(event: unknown, prefix = '', maxBytes: number | null = MAX_EVENT_BYTES): string[] {
  const problems: string[] = [];
  const name = (path: string) => `${prefix}${path}`.replace(/^\./, '') || '(body)';
  // Iterative: the depth limit is what this walk enforces, so it must not itself recurse without bound.
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: event, path: '', depth: 0 }];
  while (stack.length > 0 && problems.length < 10) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) problems.push(`${name(path)}: ${problem}`);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_NESTING_DEPTH) {
      problems.push(`${name(path)}: nested deeper than ${MAX_NESTING_DEPTH} levels`);
      continue;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    for (const key of Object.keys(value)) {
      const keyPath = `${path}.${key}`;
      if (key === '__proto__') problems.push(`${name(keyPath)}: the property name __proto__ is not allowed`);
      else {
        const problem = textProblem(key);
        if (problem) problems.push(`${name(keyPath)}: the property name ${problem}`);
        else stack.push({ value: (value as Record<string, unknown>)[key], path: keyPath, depth: depth + 1 });
      }
    }
  }
  if (problems.length > 0 || maxBytes === null) return problems;
  const bytes = Buffer.byteLength(JSON.stringify(event));
  if (bytes > maxBytes) return [`${name('')}: the event is ${bytes} bytes; the limit is ${maxBytes} bytes (${maxBytes / 1024} KB) per event`];
  return [];
}

function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000)';
  if (!text.isWellFormed()) return 'is not valid Unicode (it holds a lone surrogate)';
  return null;
}
