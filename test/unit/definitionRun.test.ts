import { describe, expect, it } from 'vitest';
import { describeResult } from '../../src/domain/definitionRun.js';

describe('step results in the record', () => {
  it('reads as key=value pairs, and "done" when there is nothing to say', () => {
    expect(describeResult({ assetId: 'AST-LT-0201', deviceId: 'LT-0201', extra: { a: 1 } })).toBe('assetId=AST-LT-0201, deviceId=LT-0201, extra={"a":1}');
    expect(describeResult(undefined)).toBe('done');
    expect(describeResult(null)).toBe('done');
    expect(describeResult({})).toBe('done');
    expect(describeResult('sent')).toBe('sent');
    expect(describeResult([1, 2])).toBe('[1,2]');
  });

  it('is cut at 200 characters', () => {
    const long = describeResult({ text: 'x'.repeat(500) });
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
  });
});
