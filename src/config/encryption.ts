import { ValidationError } from '../domain/errors.js';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * `PAYLOAD_ENCRYPTION_KEYS`: `id:base64key[,id:base64key...]`, each key 32 bytes (e.g. from
 * `openssl rand -base64 32`). The first encrypts; all decrypt, so a new key goes first and an old
 * one stays listed until no running workflow holds payloads encrypted with it.
 */
export function parseEncryptionKeys(raw: string, variable = 'PAYLOAD_ENCRYPTION_KEYS'): EncryptionKey[] {
  const issues: Array<{ path: string; message: string }> = [];
  const keys: EncryptionKey[] = [];
  raw.split(',').forEach((entry, i) => {
    const at = `${variable}[${i}]`;
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const encoded = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) return issues.push({ path: at, message: 'expected id:base64key, the id made of letters, digits, ".", "_" or "-" (at most 64)' });
    if (keys.some((k) => k.id === id)) return issues.push({ path: at, message: `key id "${id}" is listed twice` });
    const key = Buffer.from(encoded, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length !== 32) {
      return issues.push({ path: at, message: `key "${id}" must be 32 bytes in base64 (openssl rand -base64 32), got ${key.length} bytes` });
    }
    keys.push({ id, key });
  });
  if (issues.length) throw new ValidationError('configuration (environment variables)', issues);
  return keys;
}
