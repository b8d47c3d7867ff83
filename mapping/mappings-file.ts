import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { DEFAULT_PRESET, type Mappings } from './preset';
import { MappingsError } from '../errors';
import { describeIssues } from '../errors/issues';

const jsonObject = z.record(z.string(), z.unknown());
const name = z.string().trim().min(1);

/**
 * A mappings file changes the Default preset (or, with `preset: none`, starts from nothing). `null` removes an
 * entry: an event mapping (so the event is dropped), a property or a trait attribute.
 */
export const mappingsFileSchema = z.strictObject({
  preset: z.enum(['default', 'none']).default('default'),
  events: z.record(name, name.nullable()).default({}),
  properties: z.record(name, name.nullable()).default({}),
  traits: z.record(name, z.union([name.transform((t) => [t]), z.array(name).min(1)]).nullable()).default({}),
  constants: z.strictObject({ value: jsonObject.optional(), user_attributes: jsonObject.optional() }).default({}),
  defaults: z
    .strictObject({ action: z.enum(['drop', 'pass_through']) })
    .partial()
    .default({}),
});

/** Validates a mappings document (already parsed) and applies it over its base preset. */
export function resolveMappings(document: unknown, source: string): Mappings {
  const parsed = mappingsFileSchema.safeParse(document ?? {});
  if (!parsed.success) {
    throw new MappingsError(source, describeIssues(parsed.error, { root: '(top level)' }));
  }
  const file = parsed.data;
  const base: Mappings =
    file.preset === 'default' ? DEFAULT_PRESET : { events: new Map(), traits: new Map(), properties: new Map(), constants: {}, defaults: { action: 'drop' } };
  return {
    events: overlay(base.events, file.events),
    traits: overlay(base.traits, file.traits),
    properties: new Map([...base.properties, ...Object.entries(file.properties)]),
    constants: {
      value: { ...base.constants.value, ...file.constants.value },
      user_attributes: { ...base.constants.user_attributes, ...file.constants.user_attributes },
    },
    defaults: { action: file.defaults.action ?? base.defaults.action },
  };
}

/** The base entries changed by the file's: `null` removes one. */
function overlay<T>(base: ReadonlyMap<string, T>, changes: Record<string, T | null>): Map<string, T> {
  const merged = new Map(base);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) merged.delete(key);
    else merged.set(key, value);
  }
  return merged;
}

/** Reads a YAML or JSON mappings file; any problem is reported with the file and the place at fault. */
export function loadMappingsFile(file: string, cwd = process.cwd()): Mappings {
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (error) {
    throw new MappingsError(full, [`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`]);
  }
  const document = YAML.parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0)
    throw new MappingsError(
      full,
      document.errors.map((e) => e.message.split('\n')[0]!),
    );
  return resolveMappings(document.toJS(), full);
}
