import type { ConfigError } from '../errors';

export type Check = 'configuration' | 'sandbox' | 'base-url' | 'consent' | 'reachability' | 'token' | 'temporal' | 'search-attributes';

/** One thing doctor looked at. Anything that is not ok says what to do next, so the type requires a fix. */
export type Finding = {
  /** The integration the finding is about; null: the configuration as a whole. */
  integration: string | null;
  check: Check;
  message: string;
} & ({ status: 'ok' } | { status: 'warn' | 'error'; fix: string });

export interface DoctorReport {
  /** No finding is an error (warnings do not stop deliveries). */
  healthy: boolean;
  findings: Finding[];
}

export function reportOf(findings: Finding[]): DoctorReport {
  return { healthy: findings.every((f) => f.status !== 'error'), findings };
}

/** A configuration that does not load is a finding too: one per problem, each naming the setting at fault. */
export function configErrorReport(error: ConfigError): DoctorReport {
  return reportOf(
    error.problems.map((problem) => ({
      integration: null,
      check: 'configuration',
      status: 'error',
      message: problem,
      fix: 'correct the setting the message names (see the configuration table in README.md) and run doctor again',
    })),
  );
}
