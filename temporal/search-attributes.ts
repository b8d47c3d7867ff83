import type { Client } from '@temporalio/client';
import type { SearchAttributeKey, SearchAttributeType } from '@temporalio/common/lib/search-attributes';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/contracts';

/** How the Temporal CLI and Temporal Cloud name a search attribute's type. */
export function searchAttributeTypeName(key: SearchAttributeKey<SearchAttributeType>): 'Keyword' | 'Text' | 'KeywordList' {
  return key.type === 'TEXT' ? 'Text' : key.type === 'KEYWORD_LIST' ? 'KeywordList' : 'Keyword';
}

/**
 * The service's custom search attributes the namespace lacks. Asked with a visibility count on each, which any client
 * may run (the operator API that lists them needs admin rights, and Temporal Cloud does not offer it).
 */
export async function missingSearchAttributes(client: Client): Promise<string[]> {
  // A KeywordList is asked with `=` as well: it matches when the list holds the value.
  const missing: string[] = [];
  for (const key of SEARCH_ATTRIBUTE_KEYS) {
    try {
      await client.workflow.count(`${key.name} = 'signal-xtremepush-check'`);
    } catch (error) {
      if (!/search attribute|not defined|unknown|invalid/i.test((error as Error).message + String((error as { cause?: Error }).cause?.message ?? '')))
        throw error;
      missing.push(key.name);
    }
  }
  return missing;
}

/** The commands that create them: the temporal CLI for a self-hosted cluster or dev server, tcld for Temporal Cloud. */
export function createSearchAttributeCommands(namespace: string, names: readonly string[]): { cli: string; cloud: string } {
  const keys = SEARCH_ATTRIBUTE_KEYS.filter((key) => names.includes(key.name));
  // Each --name takes the --type that follows it.
  const cli = `temporal operator search-attribute create --namespace ${namespace} ${keys.map((k) => `--name ${k.name} --type ${searchAttributeTypeName(k)}`).join(' ')}`;
  const cloud = `tcld namespace search-attributes add --namespace <namespace>.<account> ${keys.map((k) => `--sa "${k.name}=${searchAttributeTypeName(k)}"`).join(' ')}`;
  return { cli, cloud };
}
