/** Shared helpers for the simulator's own tests. */
import { startSimulator, type Simulator, type SimulatorOptions } from './index';

export const EU = { name: 'eu-shop', token: 'eu-token-1' };
export const US = { name: 'us-shop', token: 'us-token-1' };

export interface HttpResult {
  status: number;
  headers: Headers;
  json: any; // test convenience: assertions read arbitrary envelope fields
}

export async function call(
  base: string,
  path: string,
  body?: unknown,
  init: { method?: string; raw?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const method = init.method ?? 'POST';
  const payload = init.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const res = await fetch(base + path, {
    method,
    body: payload,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

/** Starts a simulator with one EU and one US project, runs `fn`, always closes it. */
export async function withSimulator(fn: (sim: Simulator) => Promise<void>, options: SimulatorOptions = {}): Promise<void> {
  const sim = await startSimulator({
    ...options,
    eu: { projects: [EU], ...options.eu },
    us: { projects: [US], ...options.us },
  });
  try {
    await fn(sim);
  } finally {
    await sim.close();
  }
}

export const event = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  user_id: 'crm-12345',
  event: 'purchase',
  ...over,
});
