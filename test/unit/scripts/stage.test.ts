import { describe, expect, it } from 'vitest';
import { StageRequiredError, isLocalDatabaseUrl, requireExplicitStage } from '../../../scripts/lib/stage.js';

describe('writing scripts and STAGE', () => {
  it('tells databases of this machine from the others', () => {
    expect(isLocalDatabaseUrl('postgres://u:p@127.0.0.1:5432/telematics')).toBe(true);
    expect(isLocalDatabaseUrl('postgres://u:p@localhost/telematics')).toBe(true);
    expect(isLocalDatabaseUrl('postgres://u:p@[::1]:5432/telematics')).toBe(true);
    expect(isLocalDatabaseUrl('postgres://u:p@db.internal.example.com/telematics')).toBe(false);
    expect(isLocalDatabaseUrl('postgres://u:p@10.0.0.5/telematics')).toBe(false);
    expect(isLocalDatabaseUrl('not a url')).toBe(false);
  });

  it('refuses without STAGE, or with a blank one, naming what would be written and how to go on', () => {
    for (const env of [{}, { STAGE: '  ' }]) {
      expect(() => requireExplicitStage('seeding writes demo data to postgres://u:***@db/x', env)).toThrow(StageRequiredError);
    }
    expect(() => requireExplicitStage('seeding writes demo data to postgres://u:***@db/x', {})).toThrow(
      /^STAGE is not set: seeding writes demo data to postgres:\/\/u:\*\*\*@db\/x\. Set it explicitly, e\.g\. STAGE=local/,
    );
  });

  it('goes on with any explicit STAGE (the stage rules themselves are lib/config and the seed)', () => {
    expect(() => requireExplicitStage('x', { STAGE: 'local' })).not.toThrow();
    expect(() => requireExplicitStage('x', { STAGE: 'prod' })).not.toThrow();
  });
});
