import { describe, expect, it } from 'vitest';
import { adfToText, textToAdf } from '../../../../src/domain/sources/adf.js';
import { redactText } from '../../../../src/domain/records/redaction.js';

describe('redaction', () => {
  it('masks e-mail addresses, phone numbers and secrets by default', () => {
    expect(redactText('Mail jane.doe+it@example.co.uk or call (020) 7946-0958; my pin is 1234; token=abc.def')).toBe(
      'Mail [email] or call [phone]; my pin is [secret]; token=[secret]',
    );
  });

  it('leaves short numbers, dates and ticket keys alone', () => {
    const text = 'ITSM-42 since 2026-11-26, room 101, gateway 192.168.10.254, build 10.0.19045.3803';
    expect(redactText(text)).toBe(text);
  });

  it('can keep e-mail addresses and phone numbers when configured to', () => {
    expect(redactText('a@b.io +44 20 7946 0958 password: x', { maskEmails: false, maskPhones: false })).toBe('a@b.io +44 20 7946 0958 password: [secret]');
  });
});

describe('Atlassian Document Format', () => {
  it('flattens paragraphs, lists, mentions, cards and breaks to text', () => {
    const doc = {
      type: 'doc',
      content: [
        { type: 'heading', content: [{ type: 'text', text: 'VPN' }] },
        {
          type: 'paragraph',
          content: [
            { type: 'mention', attrs: { text: '@Sam' } },
            { type: 'text', text: ' please help' },
            { type: 'hardBreak' },
            { type: 'emoji', attrs: { shortName: ':sob:' } },
          ],
        },
        {
          type: 'bulletList',
          content: [
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }] },
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'two' }] }] },
          ],
        },
        {
          type: 'paragraph',
          content: [{ type: 'inlineCard', attrs: { url: 'https://status.example.com' } }, { type: 'mention', attrs: {} }, { type: 'text' }],
        },
        { type: 'rule' },
      ],
    };
    expect(adfToText(doc)).toBe('VPN\n\n@Sam please help\n:sob:\n\n- one\n- two\n\nhttps://status.example.com');
  });

  it('builds a comment document, one paragraph per line', () => {
    expect(textToAdf('a\n\nb')).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'a' }] },
        { type: 'paragraph', content: [] },
        { type: 'paragraph', content: [{ type: 'text', text: 'b' }] },
      ],
    });
    expect(adfToText(textToAdf('a\nb'))).toBe('a\n\nb');
  });
});
