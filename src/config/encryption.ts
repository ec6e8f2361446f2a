import { z } from 'zod';
import { ValidationError, zodIssues } from '../domain/errors.js';
import { defineSettings, setting } from './settings.js';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * `id:base64key[,id:base64key...]`, each key 32 bytes (e.g. from `openssl rand -base64 32`). The
 * first encrypts; all decrypt, so a new key goes first and an old one stays listed until no running
 * workflow holds payloads encrypted with it. Issues are at the entry's index.
 */
export const EncryptionKeys = z.string().transform((raw, ctx): EncryptionKey[] => {
  const keys: EncryptionKey[] = [];
  raw.split(',').forEach((entry, i) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', path: [i], message });
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const encoded = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) return issue('expected id:base64key, the id made of letters, digits, ".", "_" or "-" (at most 64)');
    if (keys.some((k) => k.id === id)) return issue(`key id "${id}" is listed twice`);
    const key = Buffer.from(encoded, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length !== 32) {
      return issue(`key "${id}" must be 32 bytes in base64 (openssl rand -base64 32), got ${key.length} bytes`);
    }
    keys.push({ id, key });
  });
  return keys;
});

/** The keys of `raw`; a ValidationError names each bad entry as `variable[index]`. */
export function parseEncryptionKeys(raw: string, variable = 'PAYLOAD_ENCRYPTION_KEYS'): EncryptionKey[] {
  const parsed = EncryptionKeys.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(
      'configuration (environment variables)',
      zodIssues(parsed.error).map((i) => ({ ...i, path: `${variable}${i.path}` })),
    );
  }
  return parsed.data;
}

export const encryptionSettings = defineSettings('Payload encryption (docs/encryption.md)', {
  /** Payload encryption keys, the first encrypting; null: payloads go to Temporal as JSON. */
  encryptionKeys: setting(
    'PAYLOAD_ENCRYPTION_KEYS',
    z
      .string()
      .min(1)
      .pipe(EncryptionKeys)
      .optional()
      .transform((keys) => keys ?? null),
    '`id:base64key[,...]` (32-byte keys, the first encrypts, all decrypt): encrypt every Temporal payload',
  ),
});
