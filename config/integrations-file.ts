import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { describeIssues } from '../errors/issues';

/**
 * XTREMEPUSH_CONFIG_FILE: several Xtremepush projects (e.g. one EU, one US), each with its own token, region, consent
 * and mappings. Tokens are named by environment variable (`appTokenEnv`) so the file itself holds no secret.
 */
const fileSchema = z.strictObject({
  integrations: z
    .array(
      z.looseObject({
        appToken: z.string().optional(),
        appTokenEnv: z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be the name of an environment variable')
          .optional(),
        mappings: z.unknown().optional(),
      }),
    )
    .min(1, 'at least one integration is required'),
});

export type RawIntegration = Record<string, unknown>;

/** Reads the file and returns raw integrations (validated later with the rest of the configuration). */
export function readIntegrationsFile(file: string, env: Record<string, string | undefined>): RawIntegration[] {
  let document: unknown;
  try {
    document = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot be read as YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = fileSchema.safeParse(document);
  if (!parsed.success) {
    throw new Error(describeIssues(parsed.error, { root: '(top level)' }).join('; '));
  }
  const dir = path.dirname(file);
  return parsed.data.integrations.map(({ appTokenEnv, mappings, ...integration }, index) => {
    const appToken = appTokenEnv ? env[appTokenEnv] : integration.appToken;
    if (!appToken) {
      throw new Error(`integrations.${index}: ${appTokenEnv ? `environment variable ${appTokenEnv} is not set` : 'needs appTokenEnv (or appToken)'}`);
    }
    // A mappings path is relative to the file that names it.
    return { ...integration, appToken, mappings: typeof mappings === 'string' ? path.resolve(dir, mappings) : mappings };
  });
}
