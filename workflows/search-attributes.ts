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
  webhookEvent: defineSearchAttributeKey('XpWebhookEvent', SearchAttributeType.KEYWORD),
  messageType: defineSearchAttributeKey('XpMessageType', SearchAttributeType.KEYWORD),
  campaignId: defineSearchAttributeKey('XpCampaignId', SearchAttributeType.KEYWORD),
  /** A message failure's error_message, cut to 256 characters; Text (full-text search) because SQL visibility allows only 10 Keywords. */
  errorMessage: defineSearchAttributeKey('XpErrorMessage', SearchAttributeType.TEXT),
} as const;

export const SEARCH_ATTRIBUTE_KEYS = Object.values(SA);
