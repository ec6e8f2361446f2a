import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { treeJsonSchema } from '../../../../src/domain/trees/tree.js';

describe('JSON Schema of the tree format', () => {
  it('is committed as docs/tree.schema.json, in step with the zod schema (regenerate: npm run cli -- troubleshoot schema)', () => {
    const committed = JSON.parse(readFileSync('docs/tree.schema.json', 'utf8'));
    expect(committed).toEqual(treeJsonSchema());
    expect(committed.properties.nodes.items.oneOf ?? committed.properties.nodes.items.anyOf).toHaveLength(5);
  });
});
