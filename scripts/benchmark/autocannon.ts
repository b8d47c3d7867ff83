/**
 * The slice of autocannon 9's programmatic API the benchmark uses. The package ships no types and there is no
 * @types/autocannon in the project, so the shape is declared here and the module is loaded with require.
 */

export interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Called right before each request is written (and once per connection at start): returns the request to send. */
  setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
  /** Called with each answer, before the connection's next request is built; `context` is that connection's. */
  onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, unknown>) => void;
}

export interface AutocannonOptions {
  url: string;
  connections: number;
  /** Requests in all; overrides duration. */
  amount?: number;
  /** Seconds. */
  duration?: number;
  /** Requests per second over all connections; each connection gets its share, released at each second boundary. */
  overallRate?: number;
  /** Seconds before a request counts as timed out. */
  timeout?: number;
  requests: AutocannonRequest[];
}

export interface AutocannonHistogram {
  average: number;
  p50: number;
  p99: number;
  max: number;
}

export interface AutocannonResult {
  /** Time to each answer, ms. */
  latency: AutocannonHistogram;
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
}

export interface AutocannonInstance {
  stop(): void;
}

type Autocannon = (options: AutocannonOptions, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

const autocannon = require('autocannon') as Autocannon;

/** Runs one autocannon instance; `started` hands out the instance so an abort can stop it. */
export function runAutocannon(options: AutocannonOptions, started?: (instance: AutocannonInstance) => void): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    started?.(instance);
  });
}
