/**
 * Every error the service raises on purpose, each with a stable `code` that callers, logs and tests can switch on
 * (messages may be reworded; codes stay).
 */
export const ERROR_CODES = [
  'invalid_config',
  'invalid_mappings',
  'invalid_event',
  'temporal_unavailable',
  'not_a_delivery',
  'privacy_key_missing',
  'payload_undecryptable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
}

/** Settings that cannot be used; `problems` names each one. */
export class ConfigError extends AppError {
  readonly code = 'invalid_config';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}\nFix the settings above (see the configuration table in README.md) and start again.`);
    this.name = 'ConfigError';
  }
}

/** A mappings file (or inline mappings) that cannot be used. */
export class MappingsError extends AppError {
  readonly code = 'invalid_mappings';
  constructor(source: string, problems: string[]) {
    super(`${source}: ${problems.join('; ')}`);
    this.name = 'MappingsError';
  }
}

/** An event the client library was asked to deliver fails validation; `problems` names each field. */
export class InvalidEventError extends AppError {
  readonly code = 'invalid_event';
  constructor(readonly problems: string[]) {
    super(`invalid event: ${problems.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

/** Temporal did not durably accept every delivery: the caller must retry the request. */
export class TemporalUnavailableError extends AppError {
  readonly code = 'temporal_unavailable';
  constructor(cause: unknown) {
    super(`Temporal did not accept the deliveries: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = 'TemporalUnavailableError';
  }
}

/** A workflow id that names some other kind of workflow than a delivery. */
export class NotADeliveryError extends AppError {
  readonly code = 'not_a_delivery';
  constructor(workflowId: string) {
    super(`${workflowId} is not a delivery`);
    this.name = 'NotADeliveryError';
  }
}

export class PrivacyKeyMissingError extends AppError {
  readonly code = 'privacy_key_missing';
  constructor() {
    super('PRIVACY_HASH_KEY is not set: set it to the same secret the service runs with (README: Privacy) and run the command again');
    this.name = 'PrivacyKeyMissingError';
  }
}

/** A payload encrypted with a key this process does not hold, or altered. */
export class PayloadDecryptionError extends AppError {
  readonly code = 'payload_undecryptable';
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}
