import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes of delivery workflows, for filtering in the Web UI and `client.workflow.list`.
 * They are not encrypted by payload codecs: no PII and no secrets in them, ever.
 */
export const SA = {
  integration: defineSearchAttributeKey('XpIntegration', SearchAttributeType.KEYWORD),
  region: defineSearchAttributeKey('XpRegion', SearchAttributeType.KEYWORD),
  sourceEvent: defineSearchAttributeKey('XpSourceEvent', SearchAttributeType.KEYWORD),
  xtremepushEvent: defineSearchAttributeKey('XpEvent', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('XpOutcome', SearchAttributeType.KEYWORD),
  dropReason: defineSearchAttributeKey('XpDropReason', SearchAttributeType.KEYWORD),
  failureClass: defineSearchAttributeKey('XpFailureClass', SearchAttributeType.KEYWORD),
} as const;

export const SEARCH_ATTRIBUTE_KEYS = Object.values(SA);
