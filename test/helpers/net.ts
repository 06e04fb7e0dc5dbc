import { once } from 'node:events';
import { createServer, type Server } from 'node:net';

/**
 * `count` distinct TCP ports on 127.0.0.1 that were free a moment ago, for servers a test starts
 * itself. All are held open until every one is picked: the kernel hands a just-released port out
 * again, so picking them one after another can return the same port twice (a Kafka broker then
 * refuses its two listeners on one port). Another process could take one before the caller binds
 * it; on a test machine that race is rare enough.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    }
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** One TCP port on 127.0.0.1 that was free a moment ago (see `freePorts`). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}
