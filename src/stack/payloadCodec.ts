// Encryption of Temporal payloads (workflow inputs and results, activity arguments and results,
// signals, updates, queries, memos) with AES-256-GCM before they leave the process: the Temporal
// server, its database and its Web UI see ciphertext. Off unless PAYLOAD_ENCRYPTION_KEYS is set.
// The client, every worker and the codec endpoint (POST /codec/decode) must hold the same keys.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import type { EncryptionKey } from '../config/encryption.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload in proto JSON, bytes as base64: Temporal's remote codec wire form, and what is encrypted. */
export interface PayloadJson {
  metadata?: Record<string, string>;
  data?: string;
}

export function payloadToJson(payload: Payload): Required<PayloadJson> {
  const metadata = Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

export function payloadFromJson(json: PayloadJson): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(json.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(json.data ?? '', 'base64'),
  };
}

const serialise = (payload: Payload): Buffer => Buffer.from(JSON.stringify(payloadToJson(payload)));
const deserialise = (bytes: Buffer): Payload => payloadFromJson(JSON.parse(bytes.toString('utf8')) as PayloadJson);

export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

/** AES-256-GCM, a fresh 96-bit IV per payload; the key id travels in the payload's metadata. */
export class EncryptionCodec implements PayloadCodec {
  readonly #keys: Map<string, Buffer>;
  readonly #current: EncryptionKey;

  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    this.#current = keys[0]!;
    this.#keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return this.#current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
      cipher.setAAD(Buffer.from(this.#current.id));
      const sealed = Buffer.concat([iv, cipher.update(serialise(payload)), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(this.#current.id), [CIPHER_METADATA]: Buffer.from(CIPHER) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding ? Buffer.from(payload.metadata.encoding).toString() : null;
      // Payloads written before encryption was turned on stay readable.
      if (encoding !== ENCRYPTED_ENCODING) return payload;
      const raw = payload.metadata?.[KEY_ID_METADATA];
      const id = raw ? Buffer.from(raw).toString() : '(none)';
      const key = this.#keys.get(id);
      if (!key) throw new PayloadDecryptionError(`payload encrypted with key "${id}", which is not among the configured PAYLOAD_ENCRYPTION_KEYS`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`encrypted payload (key "${id}") is too short to hold IV and tag`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(id));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        return deserialise(Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]));
      } catch {
        throw new PayloadDecryptionError(`encrypted payload (key "${id}") failed authentication: altered, or encrypted with another key of that id`);
      }
    });
  }
}

/** The data converter for the client and the workers: the encryption codec when keys are configured. */
export function dataConverterFor(keys: EncryptionKey[] | null): DataConverter | undefined {
  return keys && keys.length > 0 ? { payloadCodecs: [new EncryptionCodec(keys)] } : undefined;
}
