import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec } from './aes-gcm-codec';
import type { EncryptionKey } from './encryption-keys';

/** How every client and worker of the service converts payloads: encrypted when keys are configured, else Temporal's default. */
export function dataConverterFor(keys: readonly EncryptionKey[] | undefined): DataConverter | undefined {
  return keys ? { payloadCodecs: [new AesGcmCodec(keys)] } : undefined;
}
