import type { IdentityStore } from '../identity/store';

const DAY_MS = 86_400_000;
const MAX_REMEMBERED = 10_000;

/**
 * Requests answered 503 that held events without a messageId. Their messageIds were derived from the request with a
 * random salt; a retry of the same request is given that salt again, so it derives the same ids and starts nothing
 * that the first attempt started. A request sent again without a 503 in between gets a new salt: it is new events.
 * Kept in the shared store (several API processes) and in this process (the store may be down too).
 */
export function createRetryMemory(store?: Pick<IdentityStore, 'rememberRetry' | 'retrySalt'>) {
  const recent = new Map<string, { salt: string; at: number }>();
  return {
    async saltFor(digest: string): Promise<string | null> {
      const own = recent.get(digest);
      if (own && Date.now() - own.at < DAY_MS) return own.salt;
      return (await store?.retrySalt(digest).catch(() => null)) ?? null;
    },

    async remember(digest: string, salt: string): Promise<void> {
      if (recent.size >= MAX_REMEMBERED) recent.delete(recent.keys().next().value!);
      recent.set(digest, { salt, at: Date.now() });
      await store?.rememberRetry(digest, salt).catch(() => undefined);
    },
  };
}

export type RetryMemory = ReturnType<typeof createRetryMemory>;
