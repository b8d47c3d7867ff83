import type { z } from 'zod';

/** A field's place as people write it: `batch[2].context.traits.email`. */
export function fieldPath(path: readonly PropertyKey[], prefix = ''): string {
  return path.reduce<string>((out, key) => out + (typeof key === 'number' ? `[${key}]` : `.${String(key)}`), prefix).replace(/^\./, '');
}

export interface IssueWording {
  /** Where the validated value sits, e.g. `batch[2]`. */
  prefix?: string;
  /** The name of the value itself, when an issue is about all of it. */
  root?: string;
  /** Between the field and the message. */
  separator?: string;
  /** Names a field otherwise than by its path (e.g. by the environment variable that sets it). */
  nameOf?: (path: readonly PropertyKey[]) => string;
}

/**
 * Every problem of a zod error, one line each, naming its field: `event: is required`. The one formatter behind every
 * 4xx answer, configuration error and CLI message that reports invalid input.
 */
export function describeIssues(error: z.ZodError, wording: IssueWording = {}): string[] {
  const { prefix = '', root = '(body)', separator = ': ', nameOf } = wording;
  return error.issues.map((issue) => `${(nameOf ? nameOf(issue.path) : fieldPath(issue.path, prefix)) || root}${separator}${issue.message}`);
}
