/** Rolling one-second request windows, one per project token. */
export const RATE_LIMIT_WINDOW_MS = 1000;

export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  /** Counts the request and says whether it is within `limit` requests per rolling second. */
  allow(key: string, limit: number, now: number = Date.now()): boolean {
    const recent = (this.windows.get(key) ?? []).filter((t) => now - t < RATE_LIMIT_WINDOW_MS);
    if (recent.length >= limit) {
      this.windows.set(key, recent);
      return false;
    }
    recent.push(now);
    this.windows.set(key, recent);
    return true;
  }

  reset(): void {
    this.windows.clear();
  }
}
