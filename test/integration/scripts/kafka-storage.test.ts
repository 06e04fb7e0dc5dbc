import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * scripts/services/kafka.sh formats the broker's storage on a fresh machine with a random cluster
 * id. One id in 64 used to start with '-', which the storage tool reads as an option: Kafka then
 * never started on that machine. These run the script's own functions with the real storage tool.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BASE64URL_ID = /^[A-Za-z0-9_-]{22}$/;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs `body` in a bash that sourced the services scripts with their state in a throwaway directory. */
async function inServicesShell(body: string): Promise<{ root: string; stdout: string }> {
  const root = mkdtempSync('/tmp/telematics-kafka-storage-');
  dirs.push(root);
  const script = [
    'set -euo pipefail',
    `SERVICES_ROOT=${JSON.stringify(root)}`,
    `source ${JSON.stringify(join(ROOT, 'scripts/services/common.sh'))}`,
    `source ${JSON.stringify(join(ROOT, 'scripts/services/kafka.sh'))}`,
    'kafka_layout',
    'mkdir -p "$KAFKA_DIR"',
    body,
  ].join('\n');
  const { stdout } = await promisify(execFile)('bash', ['-c', script], { maxBuffer: 16 * 1024 * 1024 });
  return { root, stdout };
}

/** Formats a throwaway storage after keeping `keptId` as the cluster id; returns the kept id and meta.properties. */
async function formatStorage(keptId: string): Promise<{ kept: string; meta: string }> {
  const { root } = await inServicesShell(
    [
      `printf "%s" ${JSON.stringify(keptId)} >"$KAFKA_DIR/cluster-id"`,
      // The settings the storage tool reads; the broker's real ones are written by kafka_configure.
      'printf "%s\\n" process.roles=broker,controller node.id=1 controller.quorum.voters=1@127.0.0.1:1 \\',
      '  listeners=PLAINTEXT://127.0.0.1:2,CONTROLLER://127.0.0.1:1 controller.listener.names=CONTROLLER \\',
      '  "log.dirs=$KAFKA_DATA" >"$KAFKA_PROPS"',
      'kafka_format',
    ].join('\n'),
  );
  return {
    kept: readFileSync(join(root, '.services/kafka/cluster-id'), 'utf8'),
    meta: readFileSync(join(root, '.services/kafka/data/meta.properties'), 'utf8'),
  };
}

describe('the local Kafka cluster id', () => {
  it('is 22 characters of URL-safe base64 and never starts with "-"', async () => {
    // Without the rule, 500 ids include one starting with '-' with probability 1 - (63/64)^500 > 0.9996.
    const { stdout } = await inServicesShell('for _ in $(seq 500); do kafka_new_cluster_id; echo; done');
    const ids = stdout.trim().split('\n');

    expect(ids).toHaveLength(500);
    expect(ids.filter((id) => !BASE64URL_ID.test(id))).toEqual([]);
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
  });

  it('formats the storage, replacing a kept id that the storage tool would take for an option', async () => {
    const { kept, meta } = await formatStorage('-AbCdEfGhIjKlMnOpQrStU');

    expect(kept).toMatch(BASE64URL_ID);
    expect(kept.startsWith('-')).toBe(false);
    expect(meta).toContain(`cluster.id=${kept}\n`);
  });

  it('formats the storage with the kept id when it is a valid one', async () => {
    const { kept, meta } = await formatStorage('AbCdEfGhIjKlMnOpQrStUv');

    expect(kept).toBe('AbCdEfGhIjKlMnOpQrStUv');
    expect(meta).toContain('cluster.id=AbCdEfGhIjKlMnOpQrStUv\n');
  });
});
