import type { ConnectionLike } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/contracts';

/**
 * Registers the project's custom search attributes where missing. Needs operator rights on the namespace; on Temporal
 * Cloud, where they are added through the Cloud UI or tcld instead, it logs what to add and carries on.
 */
export async function ensureSearchAttributes(connection: Pick<ConnectionLike, 'operatorService'>, namespace: string, logger: Logger): Promise<void> {
  const { IndexedValueType } = temporal.api.enums.v1;
  const wanted = Object.fromEntries(
    SEARCH_ATTRIBUTE_KEYS.map((key) => [
      key.name,
      key.type === 'TEXT' ? IndexedValueType.INDEXED_VALUE_TYPE_TEXT : IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    ]),
  );
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.fromEntries(Object.entries(wanted).filter(([name]) => !(name in (existing.customAttributes ?? {}))));
    if (Object.keys(missing).length === 0) return;
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    logger.info({ namespace, added: Object.keys(missing) }, 'registered custom search attributes');
  } catch (error) {
    logger.warn(
      { err: error, namespace, searchAttributes: Object.keys(wanted) },
      'could not register custom search attributes; add them to the namespace (XpErrorMessage as Text, the others as Keyword), or deliveries will fail to start',
    );
  }
}
