import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Retraining from the pinned requirements and the committed training set reproduces the committed
 * model: `train.py --check` trains into a temporary folder and compares the fixture's predictions
 * (and the ONNX bytes). Needs the training venv, which `npm test` makes (scripts/train/venv.sh).
 */

const PYTHON = join(process.cwd(), 'scripts/train/.venv/bin/python');

describe('model training', () => {
  it('reproduces the committed model from the pinned requirements and seed', async () => {
    expect(existsSync(PYTHON), 'the training venv is missing: run bash scripts/train/venv.sh (npm test does)').toBe(true);
    const { stdout } = await promisify(execFile)(PYTHON, ['scripts/train/train.py', '--check'], { cwd: process.cwd() });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(result).toMatchObject({ version: 'risk-lr-v1', same_fixture_inputs: true, same_onnx_bytes: true, max_probability_difference: 0 });
  });
});
