import { z } from 'zod';

/** The body of an External API event hit, without the `apptoken`, which is added only on the wire. */
export const eventHitSchema = z.object({
  user_id: z.string().min(1),
  event: z.string().min(1),
  /** `YYYY-MM-DD HH:MM:SS +00:00`: the format Xtremepush's own examples use. */
  timestamp: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}( [+-]\d{2}:\d{2})?$/),
  value: z.union([z.string(), z.number(), z.record(z.string(), z.unknown())]).optional(),
  user_attributes: z.record(z.string(), z.unknown()).optional(),
  consent_preferences: z.record(z.string(), z.record(z.string(), z.union([z.literal(0), z.literal(1)]))).optional(),
});
export type EventHit = z.infer<typeof eventHitSchema>;

export function formatHitTimestamp(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +00:00`;
}
