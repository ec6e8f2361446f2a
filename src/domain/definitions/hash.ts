import { createHash } from 'node:crypto';
import { canonicalJson } from '../records/audit.js';
import type { Definition } from './schema.js';

// Kept apart from the rest of the folder: node:crypto cannot be bundled into workflow code. The
// version a run pins is computed before it starts (client or activity) and passed in.

/** The version a run pins: 'sha256:' + the hex hash of the definition's canonical JSON. */
export function definitionHash(def: Definition): string {
  return `sha256:${createHash('sha256').update(canonicalJson(def)).digest('hex')}`;
}
