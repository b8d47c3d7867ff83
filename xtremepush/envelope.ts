import { z } from 'zod';

/** Every External API method answers with this envelope. */
export const envelopeSchema = z.looseObject({
  code: z.coerce.number().int().optional(),
  success: z.boolean().optional(),
  message: z.string().optional(),
  errors: z.unknown().optional(),
  data: z.unknown().optional(),
  model: z.unknown().optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** Parses a response body; a body that is not a JSON envelope (a proxy's HTML error page, say) yields null. */
export function parseEnvelope(text: string): Envelope | null {
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
