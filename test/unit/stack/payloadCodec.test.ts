import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { ValidationError } from '../../../src/domain/errors.js';
import { parseEncryptionKeys } from '../../../src/config/encryption.js';
import { dataConverterFor, EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../../src/stack/payloadCodec.js';

const key = () => randomBytes(32).toString('base64');
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const ticket = { key: 'ITSM-7', summary: 'Password reset for Jane Doe', requesterExternalId: '712020:5d1f0c9e' };

function issuesOf(raw: string): string[] {
  try {
    parseEncryptionKeys(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error(`${raw} was accepted`);
}

describe('PAYLOAD_ENCRYPTION_KEYS', () => {
  it('reads id:base64 pairs, the first one encrypting', () => {
    const [a, b] = [key(), key()];
    const keys = parseEncryptionKeys(`2026-11:${a}, 2026-05:${b}`);
    expect(keys.map((k) => k.id)).toEqual(['2026-11', '2026-05']);
    expect(keys[0]!.key.equals(Buffer.from(a, 'base64'))).toBe(true);
    expect(new EncryptionCodec(keys).currentKeyId).toBe('2026-11');
    expect(loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `k1:${a}` }).temporal.encryptionKeys?.map((k) => k.id)).toEqual(['k1']);
    expect(loadConfig({}).temporal.encryptionKeys).toBeNull();
  });

  it('names the entry and what is wrong with it, never echoing key material', () => {
    const short = randomBytes(16).toString('base64');
    expect(issuesOf(`k1:${short}`)).toEqual(['PAYLOAD_ENCRYPTION_KEYS[0]: key "k1" must be 32 bytes in base64 (openssl rand -base64 32), got 16 bytes']);
    expect(issuesOf(`k1:${key()},k1:${key()}`)).toEqual(['PAYLOAD_ENCRYPTION_KEYS[1]: key id "k1" is listed twice']);
    expect(issuesOf(key())[0]).toMatch(/^PAYLOAD_ENCRYPTION_KEYS\[0\]: expected id:base64key/);
    expect(issuesOf(`bad id:${key()}`)[0]).toMatch(/^PAYLOAD_ENCRYPTION_KEYS\[0\]: expected id:base64key/);
    expect(issuesOf('k1:not base64 at all!!')[0]).toMatch(/must be 32 bytes in base64/);
    expect(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `k1:${short}` })).toThrow(/PAYLOAD_ENCRYPTION_KEYS\[0\]/);
    expect(() => new EncryptionCodec([])).toThrow(/at least one key/);
  });
});

describe('the payload encryption codec', () => {
  const keys = parseEncryptionKeys(`new:${key()},old:${key()}`);
  const codec = new EncryptionCodec(keys);

  it('encrypts each payload so that nothing of it is readable, and decrypts it back as it was', async () => {
    const plain = [
      defaultPayloadConverter.toPayload(ticket),
      defaultPayloadConverter.toPayload(null),
      defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3])),
    ];
    const sealed = await codec.encode(plain);
    for (const p of sealed) {
      expect(text(p.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(p.metadata![KEY_ID_METADATA])).toBe('new');
      expect(text(p.data)).not.toContain('Jane');
      expect(Buffer.from(p.data!).toString('base64')).not.toContain(Buffer.from('Jane').toString('base64'));
    }
    const opened = await codec.decode(sealed);
    expect(opened.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([ticket, null, new Uint8Array([1, 2, 3])]);
    // A fresh IV each time: the same value never gives the same ciphertext.
    const [again] = await codec.encode([plain[0]!]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(sealed[0]!.data!))).toBe(false);
  });

  it('reads payloads of an older key after rotation, and payloads written before encryption was on', async () => {
    const before = new EncryptionCodec([keys[1]!]);
    const [byOld] = await before.encode([defaultPayloadConverter.toPayload(ticket)]);
    const unencrypted = defaultPayloadConverter.toPayload(ticket);
    const [a, b] = await codec.decode([byOld!, unencrypted]);
    expect(defaultPayloadConverter.fromPayload(a!)).toEqual(ticket);
    expect(b).toBe(unencrypted);
  });

  it('refuses a payload of a key it does not have, an altered one, and one relabelled with another key id', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(ticket)]);
    const stranger = new EncryptionCodec(parseEncryptionKeys(`other:${key()}`));
    await expect(stranger.decode([sealed!])).rejects.toThrow('payload encrypted with key "new", which is not among the configured PAYLOAD_ENCRYPTION_KEYS');

    const altered = Buffer.from(sealed!.data!);
    altered[20] = altered[20]! ^ 0x01;
    await expect(codec.decode([{ ...sealed!, data: altered }])).rejects.toThrow('encrypted payload (key "new") failed authentication');

    const relabelled = { metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('old') }, data: sealed!.data };
    await expect(codec.decode([relabelled])).rejects.toThrow('encrypted payload (key "old") failed authentication');

    await expect(
      codec.decode([{ metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: undefined as unknown as Uint8Array }, data: sealed!.data }]),
    ).rejects.toThrow('key "(none)"');
    await expect(codec.decode([{ metadata: sealed!.metadata, data: new Uint8Array(10) }])).rejects.toThrow('too short');
  });

  it('is the data converter only when keys are configured', () => {
    expect(dataConverterFor(null)).toBeUndefined();
    expect(dataConverterFor([])).toBeUndefined();
    expect(dataConverterFor(keys)?.payloadCodecs?.[0]).toBeInstanceOf(EncryptionCodec);
  });
});
