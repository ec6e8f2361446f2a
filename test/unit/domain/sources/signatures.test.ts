import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  helpdeskSignatureHeaders,
  safeEqual,
  signJira,
  signServiceNow,
  signZendesk,
  verifyJira,
  verifyServiceNow,
  verifyZendesk,
} from '../../../../src/domain/sources/signatures.js';

const SECRET = 'It5e-shared-secret-0123456789';
const RAW = Buffer.from('{"event":"incident.created","text":"Grüße, password reset"}', 'utf8');
const NOW_MS = Date.UTC(2026, 10, 26, 10, 0, 0); // 2026-11-26T10:00:00Z
const NOW_SEC = NOW_MS / 1000;

/** The body with one byte changed. */
function tampered(raw: Buffer): Buffer {
  const copy = Buffer.from(raw);
  copy[5] = copy[5]! ^ 0x01;
  return copy;
}

const refused = (reason: string) => ({ ok: false, reason });

describe('safeEqual', () => {
  it('compares equal-length buffers by content and refuses unequal lengths without throwing', () => {
    expect(safeEqual(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
    expect(safeEqual(Buffer.from('abc'), Buffer.from('abd'))).toBe(false);
    expect(safeEqual(Buffer.from('abc'), Buffer.from('abcd'))).toBe(false);
  });
});

describe('Jira signatures (X-Hub-Signature: sha256=<hex>)', () => {
  const headers = signJira(RAW, SECRET);

  it('signs with HMAC-SHA256 of the raw body, hex, sha256= prefix', () => {
    const expected = createHmac('sha256', SECRET).update(RAW).digest('hex');
    expect(headers).toEqual({ 'x-hub-signature': `sha256=${expected}` });
    expect(signJira(RAW.toString('utf8'), SECRET)).toEqual(headers);
  });

  it('accepts a valid signature, also upper-case hex and a one-element array', () => {
    expect(verifyJira(RAW, headers, SECRET)).toEqual({ ok: true });
    const upper = `sha256=${headers['x-hub-signature']!.slice(7).toUpperCase()}`;
    expect(verifyJira(RAW, { 'x-hub-signature': upper }, SECRET)).toEqual({ ok: true });
    expect(verifyJira(RAW, { 'x-hub-signature': [headers['x-hub-signature']!] }, SECRET)).toEqual({ ok: true });
  });

  it('refuses a body changed by one byte and a wrong secret', () => {
    expect(verifyJira(tampered(RAW), headers, SECRET)).toEqual(refused('bad_signature'));
    expect(verifyJira(RAW, headers, `${SECRET}x`)).toEqual(refused('bad_signature'));
  });

  it('refuses a missing header (absent, empty, empty array)', () => {
    expect(verifyJira(RAW, {}, SECRET)).toEqual(refused('missing_signature'));
    expect(verifyJira(RAW, { 'x-hub-signature': '' }, SECRET)).toEqual(refused('missing_signature'));
    expect(verifyJira(RAW, { 'x-hub-signature': [] }, SECRET)).toEqual(refused('missing_signature'));
  });

  it('refuses malformed headers: no prefix, non-hex, wrong length, base64, several values', () => {
    const hex = headers['x-hub-signature']!.slice(7);
    const b64 = Buffer.from(hex, 'hex').toString('base64');
    for (const value of [hex, `sha1=${hex}`, `sha256=${hex.slice(0, 63)}g`, `sha256=${hex}00`, `sha256=${hex.slice(2)}`, `sha256=${b64}`]) {
      expect(verifyJira(RAW, { 'x-hub-signature': value }, SECRET), value).toEqual(refused('malformed_signature'));
    }
    const twice = [headers['x-hub-signature']!, headers['x-hub-signature']!];
    expect(verifyJira(RAW, { 'x-hub-signature': twice }, SECRET)).toEqual(refused('malformed_signature'));
  });

  it('refuses to sign or verify with an empty secret', () => {
    expect(() => signJira(RAW, '')).toThrow(/secret is empty/);
    expect(() => verifyJira(RAW, headers, '')).toThrow(/secret is empty/);
  });
});

describe('ServiceNow signatures (x-itse-timestamp, x-itse-signature: sha256=<hex|base64>)', () => {
  const headers = signServiceNow(RAW, SECRET, NOW_SEC);
  const base64 = signServiceNow(RAW, SECRET, NOW_SEC, 'base64');

  it('signs timestamp + "." + raw body, hex by default or Base64 as ServiceNow generateMac returns it', () => {
    const mac = createHmac('sha256', SECRET).update(`${NOW_SEC}.`).update(RAW).digest();
    expect(headers).toEqual({ 'x-itse-timestamp': String(NOW_SEC), 'x-itse-signature': `sha256=${mac.toString('hex')}` });
    expect(base64['x-itse-signature']).toBe(`sha256=${mac.toString('base64')}`);
    expect(base64['x-itse-signature']).toHaveLength(7 + 44);
    expect(signServiceNow(RAW, SECRET, NOW_SEC + 0.9)['x-itse-timestamp']).toBe(String(NOW_SEC));
  });

  it('accepts hex and Base64 signatures within the tolerance, either side of now', () => {
    expect(verifyServiceNow(RAW, headers, SECRET, NOW_MS)).toEqual({ ok: true });
    expect(verifyServiceNow(RAW, base64, SECRET, NOW_MS)).toEqual({ ok: true });
    expect(verifyServiceNow(RAW, headers, SECRET, NOW_MS + 300_000)).toEqual({ ok: true });
    expect(verifyServiceNow(RAW, headers, SECRET, NOW_MS - 300_000)).toEqual({ ok: true });
    const arrays = { 'x-itse-timestamp': [headers['x-itse-timestamp']!], 'x-itse-signature': [headers['x-itse-signature']!] };
    expect(verifyServiceNow(RAW, arrays, SECRET, NOW_MS)).toEqual({ ok: true });
  });

  it('refuses stale and future timestamps, with the default or a custom tolerance', () => {
    expect(verifyServiceNow(RAW, headers, SECRET, NOW_MS + 301_000)).toEqual(refused('stale_timestamp'));
    expect(verifyServiceNow(RAW, headers, SECRET, NOW_MS - 301_000)).toEqual(refused('stale_timestamp'));
    expect(verifyServiceNow(RAW, headers, SECRET, NOW_MS + 61_000, 60)).toEqual(refused('stale_timestamp'));
    expect(verifyServiceNow(RAW, headers, SECRET, NOW_MS + 59_000, 60)).toEqual({ ok: true });
  });

  it('refuses a tampered body, a wrong secret and a timestamp changed after signing', () => {
    expect(verifyServiceNow(tampered(RAW), headers, SECRET, NOW_MS)).toEqual(refused('bad_signature'));
    expect(verifyServiceNow(RAW, base64, 'another-secret', NOW_MS)).toEqual(refused('bad_signature'));
    const moved = { ...headers, 'x-itse-timestamp': String(NOW_SEC + 1) };
    expect(verifyServiceNow(RAW, moved, SECRET, NOW_MS)).toEqual(refused('bad_signature'));
  });

  it('refuses missing headers, signature first', () => {
    expect(verifyServiceNow(RAW, {}, SECRET, NOW_MS)).toEqual(refused('missing_signature'));
    expect(verifyServiceNow(RAW, { 'x-itse-timestamp': headers['x-itse-timestamp'] }, SECRET, NOW_MS)).toEqual(refused('missing_signature'));
    expect(verifyServiceNow(RAW, { 'x-itse-signature': headers['x-itse-signature'] }, SECRET, NOW_MS)).toEqual(refused('missing_timestamp'));
    expect(verifyServiceNow(RAW, { ...headers, 'x-itse-timestamp': ' ' }, SECRET, NOW_MS)).toEqual(refused('missing_timestamp'));
  });

  it('refuses malformed signatures and timestamps', () => {
    const hex = headers['x-itse-signature']!.slice(7);
    for (const value of [hex, `sha256=${hex.slice(1)}`, `sha256=${hex.slice(0, 63)}z`, `sha256=${base64['x-itse-signature']!.slice(7, 50)}`]) {
      expect(verifyServiceNow(RAW, { ...headers, 'x-itse-signature': value }, SECRET, NOW_MS), value).toEqual(refused('malformed_signature'));
    }
    const twoSignatures = { ...headers, 'x-itse-signature': [headers['x-itse-signature']!, base64['x-itse-signature']!] };
    expect(verifyServiceNow(RAW, twoSignatures, SECRET, NOW_MS)).toEqual(refused('malformed_signature'));
    for (const value of ['2026-11-26T10:00:00Z', '-1', '1795687200.5', [String(NOW_SEC), String(NOW_SEC)]]) {
      expect(verifyServiceNow(RAW, { ...headers, 'x-itse-timestamp': value }, SECRET, NOW_MS), String(value)).toEqual(refused('malformed_timestamp'));
    }
  });
});

describe('Zendesk signatures (base64 HMAC of timestamp + body)', () => {
  const TS = '2026-11-26T10:00:00Z';
  const headers = signZendesk(RAW, SECRET, TS);

  it('signs the timestamp header value followed by the raw body, Base64', () => {
    const mac = createHmac('sha256', SECRET)
      .update(TS + RAW.toString('utf8'))
      .digest('base64');
    expect(headers).toEqual({ 'x-zendesk-webhook-signature': mac, 'x-zendesk-webhook-signature-timestamp': TS });
  });

  it('accepts a valid signature within the tolerance, also with array headers and other ISO forms', () => {
    expect(verifyZendesk(RAW, headers, SECRET, NOW_MS)).toEqual({ ok: true });
    expect(verifyZendesk(RAW, headers, SECRET, NOW_MS - 300_000)).toEqual({ ok: true });
    const arrays = {
      'x-zendesk-webhook-signature': [headers['x-zendesk-webhook-signature']!],
      'x-zendesk-webhook-signature-timestamp': [TS],
    };
    expect(verifyZendesk(RAW, arrays, SECRET, NOW_MS)).toEqual({ ok: true });
    for (const ts of ['2026-11-26T10:00Z', '2026-11-26T11:00:00.000+01:00', '2026-11-26T10:00:00+0000']) {
      expect(verifyZendesk(RAW, signZendesk(RAW, SECRET, ts), SECRET, NOW_MS), ts).toEqual({ ok: true });
    }
  });

  it('refuses stale and future timestamps', () => {
    expect(verifyZendesk(RAW, headers, SECRET, NOW_MS + 300_001)).toEqual(refused('stale_timestamp'));
    expect(verifyZendesk(RAW, headers, SECRET, NOW_MS - 300_001)).toEqual(refused('stale_timestamp'));
    expect(verifyZendesk(RAW, headers, SECRET, NOW_MS + 600_000, 900)).toEqual({ ok: true });
  });

  it('refuses a tampered body, a wrong secret and a re-dated delivery', () => {
    expect(verifyZendesk(tampered(RAW), headers, SECRET, NOW_MS)).toEqual(refused('bad_signature'));
    expect(verifyZendesk(RAW, headers, 'not-the-secret', NOW_MS)).toEqual(refused('bad_signature'));
    const redated = { ...headers, 'x-zendesk-webhook-signature-timestamp': '2026-11-26T10:00:01Z' };
    expect(verifyZendesk(RAW, redated, SECRET, NOW_MS)).toEqual(refused('bad_signature'));
  });

  it('refuses missing headers', () => {
    expect(verifyZendesk(RAW, {}, SECRET, NOW_MS)).toEqual(refused('missing_signature'));
    const noTimestamp = { 'x-zendesk-webhook-signature': headers['x-zendesk-webhook-signature'] };
    expect(verifyZendesk(RAW, noTimestamp, SECRET, NOW_MS)).toEqual(refused('missing_timestamp'));
  });

  it('refuses malformed signatures and timestamps', () => {
    const sig = headers['x-zendesk-webhook-signature']!;
    const hex = Buffer.from(sig, 'base64').toString('hex');
    for (const value of [hex, `sha256=${sig}`, sig.slice(1), `${sig.slice(0, 42)}!=`, [sig, sig]]) {
      expect(verifyZendesk(RAW, { ...headers, 'x-zendesk-webhook-signature': value }, SECRET, NOW_MS), String(value)).toEqual(refused('malformed_signature'));
    }
    for (const value of ['1795687200', 'Thu, 26 Nov 2026 10:00:00 GMT', '2026-11-26T10:00:00', '2026-13-40T10:00:00Z', [TS, TS]]) {
      expect(verifyZendesk(RAW, { ...headers, 'x-zendesk-webhook-signature-timestamp': value }, SECRET, NOW_MS), String(value)).toEqual(
        refused('malformed_timestamp'),
      );
    }
  });
});

describe('signature headers as each help desk sends them', () => {
  it('verify with the same secret, for every source', () => {
    const raw = Buffer.from('{"ok":true}');
    const at = new Date('2026-11-26T10:00:00.123Z');
    const jira = helpdeskSignatureHeaders('jira', raw, 'a-jira-secret-0123456789', at);
    expect(verifyJira(raw, jira, 'a-jira-secret-0123456789')).toMatchObject({ ok: true });
    const sn = helpdeskSignatureHeaders('servicenow', raw, 'a-sn-secret-0123456789', at);
    expect(sn['x-itse-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(verifyServiceNow(raw, sn, 'a-sn-secret-0123456789', at.getTime())).toMatchObject({ ok: true });
    const zd = helpdeskSignatureHeaders('zendesk', raw, 'a-zd-secret-0123456789', at);
    expect(Object.values(zd)).toContain('2026-11-26T10:00:00Z');
    expect(verifyZendesk(raw, zd, 'a-zd-secret-0123456789', at.getTime())).toMatchObject({ ok: true });
  });
});
