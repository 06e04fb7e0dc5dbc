import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { freePort } from './net.js';
import { stopChild } from './process.js';

/**
 * A private PostgreSQL server for tests that restart the database: the shared one on :5432 is used
 * by everyone else and must never be stopped. Same binaries as scripts/services/postgres.sh (the
 * newest installed server >= 15), its own data directory and port, the `telematics` role and one
 * database; durability off like the shared one. Runs as the `postgres` OS user when the tests run as
 * root (initdb refuses root).
 */

const ROLE = 'telematics';
const PASSWORD = 'telematics';
const DATABASE = 'telematics';

function serverBin(): string {
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v) && Number(v) >= 15 && existsSync(`/usr/lib/postgresql/${v}/bin/postgres`))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('no PostgreSQL >= 15 server under /usr/lib/postgresql (npm run services -- up installs one)');
  return `/usr/lib/postgresql/${newest}/bin`;
}

/** The OS user the server runs as: `postgres` under root, else the current user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

export class PrivatePostgresServer {
  private process: ChildProcess | undefined;
  private readonly bin = serverBin();
  private readonly user = serverUser();
  private readonly data: string;
  private readonly socketDir: string;

  private constructor(
    readonly port: number,
    private readonly root: string,
  ) {
    this.data = join(root, 'data');
    this.socketDir = join(root, 'run');
  }

  /** initdb, start, and create the role and database; `url` then points at an empty database. */
  static async start(): Promise<PrivatePostgresServer> {
    const root = mkdtempSync('/tmp/telematics-private-pg-');
    const server = new PrivatePostgresServer(await freePort(), root);
    try {
      server.init();
      await server.start();
      const admin = postgres({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres', max: 1, onnotice: () => undefined });
      try {
        await admin.unsafe(`CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}'`);
        await admin.unsafe(`CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
      } finally {
        await admin.end();
      }
      return server;
    } catch (error) {
      await server.remove();
      throw error;
    }
  }

  get url(): string {
    return `postgres://${ROLE}:${PASSWORD}@127.0.0.1:${this.port}/${DATABASE}`;
  }

  private init(): void {
    mkdirSync(this.socketDir);
    if (this.user) {
      chownSync(this.root, this.user.uid, this.user.gid);
      chownSync(this.socketDir, this.user.uid, this.user.gid);
    }
    const result = spawnSync(
      join(this.bin, 'initdb'),
      ['-D', this.data, '-U', 'postgres', '--encoding=UTF8', '--no-locale', '--no-sync', '--auth-local=trust', '--auth-host=trust'],
      { encoding: 'utf8', ...this.user },
    );
    if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr || result.stdout}`);
  }

  /** Starts the server on its data directory (again, after `stop`) and waits until it answers. */
  async start(): Promise<void> {
    const child = spawn(
      join(this.bin, 'postgres'),
      [
        '-D', this.data, '-p', String(this.port), '-k', this.socketDir,
        '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=60', '-c', 'shared_buffers=64MB', '-c', 'timezone=UTC',
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'log_min_messages=fatal',
      ],
      { stdio: 'ignore', ...this.user },
    );
    this.process = child;
    for (let attempt = 0; attempt < 300; attempt++) {
      if (child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode}`);
      const probe = postgres({ host: '127.0.0.1', port: this.port, user: 'postgres', database: 'postgres', max: 1, connect_timeout: 1, onnotice: () => undefined });
      try {
        await probe`SELECT 1`;
        return;
      } catch {
        await sleep(100);
      } finally {
        await probe.end({ timeout: 0 });
      }
    }
    throw new Error(`the private PostgreSQL on port ${this.port} did not answer`);
  }

  /**
   * Stops the server: `fast` (SIGINT) rolls back open transactions and closes every connection, as
   * a restart by an operator or a failover does; `immediate` (SIGQUIT) is a crash.
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    const child = this.process;
    this.process = undefined;
    await stopChild(child, mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
  }

  async restart(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  /** Stops the server and deletes its data directory. */
  async remove(): Promise<void> {
    await this.stop('immediate');
    rmSync(this.root, { recursive: true, force: true });
  }
}
