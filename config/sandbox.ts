/** Tokens and ports of the simulator that stands in for Xtremepush when no app token is configured. */
export const SANDBOX = {
  euToken: 'sandbox-eu-token',
  usToken: 'sandbox-us-token',
  writeKey: 'sandbox-write-key',
  euPort: 4010,
  usPort: 4011,
} as const;
