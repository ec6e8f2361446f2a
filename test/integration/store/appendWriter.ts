// A writer on another "host" for the PostgreSQL store tests: its own process and pool, appending
// `count` entries with keys `<name>/<i>`, a few at a time. Usage: tsx appendWriter.ts <url> <name> <count>
import { PostgresEngineStore } from '../../../src/activities/records/postgresStore.js';

const [url, name, count] = process.argv.slice(2);
if (!url || !name || !count) throw new Error('usage: appendWriter.ts <url> <name> <count>');
const store = await PostgresEngineStore.open(url, { poolSize: 4 });
const n = Number(count);
let next = 0;
const lane = async () => {
  while (next < n) {
    const i = next++;
    await store.appendAudit(
      {
        at: new Date(Date.UTC(2026, 10, 26, 10, 0, 0, i)).toISOString(),
        kind: 'action',
        actor: name,
        subject: `${name}-${i}`,
        outcome: 'succeeded',
        details: { i },
      },
      `${name}/${i}`,
    );
  }
};
await Promise.all([lane(), lane(), lane(), lane()]);
await store.close();
