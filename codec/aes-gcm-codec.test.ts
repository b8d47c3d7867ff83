import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { AesGcmCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA_KEY } from './aes-gcm-codec';
import { PayloadDecryptionError } from '../errors';

const OLD = { id: 'k2025', key: randomBytes(32) };
const NEW = { id: 'k2026', key: randomBytes(32) };
const EMAIL = 'jane.doe@example.com';
const plain = () => defaultPayloadConverter.toPayload({ userId: 'crm-12345', traits: { email: EMAIL } });

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const valueOf = (payload: Payload) => defaultPayloadConverter.fromPayload(payload);

async function encryptOne(codec: AesGcmCodec, payload = plain()): Promise<Payload> {
  const [encrypted] = await codec.encode([payload]);
  return encrypted!;
}

async function decodeError(codec: AesGcmCodec, payload: Payload): Promise<PayloadDecryptionError> {
  const error = await codec.decode([payload]).then(
    () => assert.fail('expected decode to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof PayloadDecryptionError, `expected PayloadDecryptionError, got ${String(error)}`);
  return error;
}

describe('AesGcmCodec', () => {
  test('round trip: decode gives back the payload, its metadata included', async () => {
    const codec = new AesGcmCodec([NEW]);
    const original = plain();
    const [decoded] = await codec.decode(await codec.encode([original]));
    assert.deepEqual(valueOf(decoded!), valueOf(original));
    assert.equal(text(decoded!.metadata?.encoding), 'json/plain');
  });

  test('the encrypted payload is binary/encrypted, names its key, differs per payload and holds no plaintext', async () => {
    const codec = new AesGcmCodec([NEW]);
    const [first, second] = await codec.encode([plain(), plain()]);
    assert.equal(text(first!.metadata?.encoding), ENCRYPTED_ENCODING);
    assert.equal(text(first!.metadata?.[KEY_ID_METADATA_KEY]), NEW.id);
    assert.notDeepEqual(Buffer.from(first!.data!), Buffer.from(second!.data!), 'a random IV makes equal payloads differ');
    for (const payload of [first!, second!]) {
      const bytes = Buffer.from(payload.data!);
      assert.ok(!bytes.includes(EMAIL) && !bytes.includes('json/plain'), 'plaintext in the ciphertext');
    }
  });

  test('altered ciphertext fails authentication', async () => {
    const codec = new AesGcmCodec([NEW]);
    const encrypted = await encryptOne(codec);
    const data = Buffer.from(encrypted.data!);
    data[20]! ^= 0x01;
    const error = await decodeError(codec, { ...encrypted, data });
    assert.match(error.message, /key id "k2026" failed authentication/);
  });

  test('a key id swapped in the metadata fails, even when that key is known', async () => {
    const codec = new AesGcmCodec([NEW, OLD]);
    const encrypted = await encryptOne(codec);
    const swapped = { ...encrypted, metadata: { ...encrypted.metadata, [KEY_ID_METADATA_KEY]: Buffer.from(OLD.id) } };
    await decodeError(codec, swapped);
  });

  test('rotation: a payload written with the old key reads after a new key is put first; new payloads use the new key', async () => {
    const before = new AesGcmCodec([OLD]);
    const written = await encryptOne(before);
    const rotated = new AesGcmCodec([NEW, OLD]);
    const [decoded] = await rotated.decode([written]);
    assert.deepEqual(valueOf(decoded!), valueOf(plain()));
    assert.equal(text((await encryptOne(rotated)).metadata?.[KEY_ID_METADATA_KEY]), NEW.id);
  });

  test('an unknown key id fails with an error naming it, and no key material', async () => {
    const written = await encryptOne(new AesGcmCodec([OLD]));
    const error = await decodeError(new AesGcmCodec([NEW]), written);
    assert.match(error.message, /key id "k2025"/);
    assert.match(error.message, /PAYLOAD_ENCRYPTION_KEYS/);
    for (const { key } of [OLD, NEW]) assert.ok(!error.message.includes(key.toString('base64')));
  });

  test('a payload that is not encrypted passes through decode unchanged (histories from before the codec)', async () => {
    const original = plain();
    const [decoded] = await new AesGcmCodec([NEW]).decode([original]);
    assert.equal(decoded, original);
  });
});
