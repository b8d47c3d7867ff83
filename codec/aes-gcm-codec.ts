import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { EncryptionKey } from './encryption-keys';
import { PayloadDecryptionError } from '../errors';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ProtoPayload = temporal.api.common.v1.Payload;

/**
 * Encrypts every payload with AES-256-GCM: the whole serialized payload, so its original encoding is hidden too. The
 * data is IV (random per payload) + ciphertext + tag, and the key id is both stored in the metadata and authenticated,
 * so a key id swapped in history fails. The first key encrypts and every key decrypts: rotating is putting a new key
 * first and keeping the old ones as long as histories written with them are kept.
 */
export class AesGcmCodec implements PayloadCodec {
  private readonly current: EncryptionKey;
  private readonly keysById: ReadonlyMap<string, Buffer>;

  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new Error('AesGcmCodec needs at least one key');
    this.current = keys[0]!;
    this.keysById = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  /** Payloads that are not encrypted pass unchanged: histories written before the codec was turned on still read. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(id));
    const ciphertext = Buffer.concat([cipher.update(ProtoPayload.encode(payload).finish()), cipher.final()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA_KEY]: Buffer.from(id) },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const idBytes = payload.metadata?.[KEY_ID_METADATA_KEY];
    if (!idBytes) throw new PayloadDecryptionError(`encrypted payload has no ${KEY_ID_METADATA_KEY} metadata`);
    const id = Buffer.from(idBytes).toString('utf8');
    const key = this.keysById.get(id);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload encrypted with key id "${id}", which is not among the configured keys (${[...this.keysById.keys()].join(', ')}): add that key back to PAYLOAD_ENCRYPTION_KEYS`,
      );
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`payload encrypted with key id "${id}" is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES)).setAAD(idBytes);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      const plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return ProtoPayload.decode(plaintext);
    } catch {
      throw new PayloadDecryptionError(
        `payload encrypted with key id "${id}" failed authentication: it was altered, or encrypted with another key under that id`,
      );
    }
  }
}

function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).toString('utf8') === ENCRYPTED_ENCODING;
}
