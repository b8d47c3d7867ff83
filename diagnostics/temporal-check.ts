import type { Client } from '@temporalio/client';
import { createSearchAttributeCommands, missingSearchAttributes } from '../temporal/search-attributes';
import type { Finding } from './report';

/**
 * Temporal answers, and the namespace has the service's search attributes: without them every delivery fails to
 * start. They are created once per namespace at deployment (the embedded dev server registers them itself).
 */
export async function checkTemporal(client: Client | null, where: { address: string; namespace: string }): Promise<Finding[]> {
  const base = { integration: null } as const;
  if (!client) {
    return [
      {
        ...base,
        check: 'temporal',
        status: 'warn',
        message: `Temporal at ${where.address} did not answer, so its search attributes were not checked`,
        fix: 'start the service (`npm start`, which starts its own Temporal) or set TEMPORAL_ADDRESS, then run doctor again',
      },
    ];
  }
  const missing = await missingSearchAttributes(client);
  if (missing.length === 0) {
    return [
      { ...base, check: 'search-attributes', status: 'ok', message: `namespace ${where.namespace} at ${where.address} has the service's search attributes` },
    ];
  }
  const { cli, cloud } = createSearchAttributeCommands(where.namespace, missing);
  return [
    {
      ...base,
      check: 'search-attributes',
      status: 'error',
      message: `namespace ${where.namespace} lacks the search attributes ${missing.join(', ')}: deliveries cannot start until they exist`,
      fix: `create them once: ${cli} (Temporal Cloud: ${cloud})`,
    },
  ];
}
