import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { parse, stringify } from 'yaml';
import { PROJECT_ROOT } from '../../src/config/index.js';

export const JWT = { secret: 'self-service-test-secret-0123456789abcdef', issuer: 'https://login.example.com', audience: 'it-support-engine' };

/** A token as the company's identity provider would issue it. */
export async function token(subject: string, over: { secret?: string; expiresIn?: string; audience?: string } = {}): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuer(JWT.issuer)
    .setAudience(over.audience ?? JWT.audience)
    .setIssuedAt()
    .setExpirationTime(over.expiresIn ?? '10m')
    .sign(new TextEncoder().encode(over.secret ?? JWT.secret));
}

export const jwtEnv = {
  SELF_SERVICE_JWT_SECRET: JWT.secret,
  SELF_SERVICE_JWT_ISSUER: JWT.issuer,
  SELF_SERVICE_JWT_AUDIENCE: JWT.audience,
};

/**
 * The shipped content plus `users` generated staff members (user-0001 ... with laptops LT-U0001 ...),
 * for load tests; availability windows removed so that tests do not depend on the time of day.
 */
export function contentWithUsers(users: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'itse-content-'));
  cpSync(join(PROJECT_ROOT, 'content'), dir, { recursive: true });
  const directory = parse(readFileSync(join(dir, 'directory.yaml'), 'utf8'));
  const fleet = parse(readFileSync(join(dir, 'fleet.yaml'), 'utf8'));
  for (let i = 1; i <= users; i++) {
    const id = `user-${String(i).padStart(4, '0')}`;
    directory.users.push({ id, displayName: `Load User ${i}`, email: `${id}@example.com`, groups: ['staff'], manager: 'asmith' });
    fleet.devices.push({ id: `LT-U${String(i).padStart(4, '0')}`, owner: id, platform: 'windows', disk: { totalGb: 256, usedGb: 200 } });
  }
  writeFileSync(join(dir, 'directory.yaml'), stringify(directory));
  writeFileSync(join(dir, 'fleet.yaml'), stringify(fleet));
  const catalog = parse(readFileSync(join(dir, 'selfservice.yaml'), 'utf8'));
  for (const entry of catalog.automations) delete entry.availability;
  writeFileSync(join(dir, 'selfservice.yaml'), stringify(catalog));
  return dir;
}
