import { createServer } from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Environment for an embedded stack on a private data folder and free ports (demo, bench, tests).
 * Only PATH is taken from `inherited`, so that the `temporal` CLI on it is found.
 */
export async function isolatedStackEnv(dataDir: string, inherited: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  return {
    DATA_DIR: dataDir,
    // The API listens on a port the kernel picks at listen time (stack.apiUrl says which): a port
    // merely free a moment ago can meanwhile be taken by an outgoing connection to the dev server.
    HTTP_PORT: '0',
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_DEV_UI_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    PATH: inherited.PATH,
  };
}
