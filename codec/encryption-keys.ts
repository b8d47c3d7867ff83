import { z } from 'zod';

/** An AES-256 key and the id written beside everything it encrypts, so every payload names the key that opens it. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
export const KEY_BYTES = 32;

/**
 * `keyId:base64key,keyId:base64key,...`: the first key encrypts, all of them decrypt. Messages name the entry or key id
 * at fault and never echo key material (a malformed entry could be a bare key).
 */
export const encryptionKeysSchema = z.string().transform((text, ctx) => {
  const keys: EncryptionKey[] = [];
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one keyId:base64key is required' });
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, Math.max(colon, 0)).trim();
    const material = entry.slice(colon + 1).trim();
    if (colon < 0 || !KEY_ID.test(id)) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} must be keyId:base64key, the key id made of letters, digits, '.', '_' or '-'` });
      return;
    }
    if (keys.some((k) => k.id === id)) {
      ctx.addIssue({ code: 'custom', message: `key id "${id}" is listed twice` });
      return;
    }
    const key = BASE64.test(material) ? Buffer.from(material, 'base64') : null;
    if (!key || key.length !== KEY_BYTES) {
      const got = key ? `got ${key.length} bytes` : 'not valid base64';
      ctx.addIssue({ code: 'custom', message: `key "${id}" must be ${KEY_BYTES} bytes in base64, e.g. from \`openssl rand -base64 32\` (${got})` });
      return;
    }
    keys.push({ id, key });
  });
  return keys;
});
