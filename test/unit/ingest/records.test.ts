import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkKafkaRecord, copyLine, isTransient, lambdaKafkaEvent, type RawRecord, type TelematicsEvent } from '../../../lib/ingest/index.js';
import { UnavailableError } from '../../../lib/errors/index.js';
import IngestEventSourcePlugin from '../../../scripts/serverless/ingest-event-source-plugin.mjs';
import { readIngestSettings } from '../../../scripts/lib/ingest-settings.js';

const NOW = Date.parse('2026-06-15T12:00:00Z');
const event: TelematicsEvent = {
  event_id: randomUUID(),
  ts: '2026-06-15T11:59:58.123456Z',
  driver_id: 7,
  vehicle_id: 9,
  trip_id: randomUUID(),
  event_type: 'harsh_braking',
  lat: 52.52,
  lon: 13.405,
  speed_kmh: 48.2,
  acceleration_mps2: -4.1,
  lateral_mps2: 0.3,
  heading_deg: 359.9,
  data: { speed_limit_kmh: 50 },
};
const raw = (value: unknown): RawRecord => ({
  origin: { source: 'kafka', topic: 't', partition: 0, offset: 1, timestampMs: NOW },
  key: null,
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  headers: [],
});
const verdict = (value: unknown) => {
  const checked = checkKafkaRecord(raw(value), NOW);
  return checked.ok ? 'ok' : `${checked.record.code}: ${checked.record.reason}`;
};

describe('decoding and validating a Kafka record', () => {
  it('accepts a complete event and one with only the required fields', () => {
    expect(verdict(event)).toBe('ok');
    const { trip_id: _t, speed_kmh: _s, acceleration_mps2: _a, lateral_mps2: _l, heading_deg: _h, data: _d, ...required } = event;
    expect(verdict(required)).toBe('ok');
  });

  it('names the reason for each kind of record that can never be ingested', () => {
    expect(verdict(null)).toBe('not_json: the record has no value');
    expect(verdict('{"event_id": ')).toMatch(/^not_json: the value is not JSON/);
    expect(verdict({ ...event, speed_kmh: 401 })).toBe('schema_violation: speed_kmh: must be at most 400');
    expect(verdict({ ...event, event_type: 'teleport' })).toMatch(/^schema_violation: event_type: must be one of: position, trip_start/);
    expect(verdict({ ...event, extra: 1 })).toBe('schema_violation: extra: is not an accepted field');
    expect(verdict({ ...event, ts: '2026-06-15 12:00' })).toMatch(/^schema_violation: ts: /);
    expect(verdict([event])).toMatch(/^schema_violation: value: /);
    expect(verdict({ ...event, ts: '2026-06-17T12:00:00Z' })).toMatch(/^impossible_value: ts: .* in the future/);
    expect(verdict({ ...event, ts: '2020-01-01T00:00:00Z' })).toMatch(/^impossible_value: ts: .* older than the 12-month retention/);
  });
});

describe('the COPY line of an event', () => {
  it('writes the columns in order, NULL as \\N, and escapes the JSON of data', () => {
    const line = copyLine({ ...event, speed_kmh: null, trip_id: undefined, data: { note: 'tab\there\\ and\nnewline' } });
    const cells = line.slice(0, -1).split('\t');
    expect(cells).toEqual([
      event.event_id, event.ts, '7', '9', '\\N', 'harsh_braking', '52.52', '13.405', '\\N', '-4.1', '0.3', '359.9',
      '{"note":"tab\\\\there\\\\\\\\ and\\\\nnewline"}',
    ]);
  });
});

describe('the Lambda Kafka event', () => {
  it('groups records by topic-partition with base64 key and value, byte-array headers, and no key when there is none', () => {
    const built = lambdaKafkaEvent(
      [
        { topic: 'a.b', partition: 2, offset: '41', timestamp: '1700000000000', key: 'k', value: '{}', headers: { h: 'x' } },
        { topic: 'a.b', partition: 2, offset: 42, timestamp: 1700000000001, key: null, value: null },
        { topic: 'a.b', partition: 0, offset: 7, timestamp: 1700000000002, key: Buffer.from([1, 2]), value: Buffer.from('v') },
      ],
      { kind: 'self-managed', bootstrapServers: ['b1:9092', 'b2:9092'] },
    );
    expect(built).toEqual({
      eventSource: 'aws:SelfManagedKafka',
      bootstrapServers: 'b1:9092,b2:9092',
      records: {
        'a.b-2': [
          { topic: 'a.b', partition: 2, offset: 41, timestamp: 1700000000000, timestampType: 'CREATE_TIME', key: 'aw==', value: 'e30=', headers: [{ h: [120] }] },
          { topic: 'a.b', partition: 2, offset: 42, timestamp: 1700000000001, timestampType: 'CREATE_TIME', value: null, headers: [] },
        ],
        'a.b-0': [{ topic: 'a.b', partition: 0, offset: 7, timestamp: 1700000000002, timestampType: 'CREATE_TIME', key: 'AQI=', value: 'dg==', headers: [] }],
      },
    });
    expect(lambdaKafkaEvent([], { kind: 'msk', clusterArn: 'arn:x' })).toMatchObject({ eventSource: 'aws:kafka', eventSourceArn: 'arn:x', records: {} });
  });
});

describe('transient or permanent failures', () => {
  it('retries outages and timeouts, not data PostgreSQL rejects, nor bugs', () => {
    const pg = (code: string) => Object.assign(new Error(code), { code, severity: 'ERROR' });
    expect(isTransient(new UnavailableError('down'))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { code: 'CONNECTION_CLOSED' }))).toBe(true);
    for (const code of ['57P01', '08006', '55P03', '57014', '40001', '53300']) expect(isTransient(pg(code)), code).toBe(true);
    for (const code of ['23514', '22P02', '23505', '42P01']) expect(isTransient(pg(code)), code).toBe(false);
    expect(isTransient(new TypeError('undefined is not a function'))).toBe(false);
  });
});

describe('the event-source settings', () => {
  it('are read from serverless.yml custom.ingest', () => {
    const settings = readIngestSettings();
    expect(settings).toMatchObject({ topic: 'telematics.events', batchSize: 5000, functionResponseTypes: ['ReportBatchItemFailures'] });
    expect(settings.timeoutS).toBe(120);
  });

  it('are set on the compiled event source mappings of the ingest topic, and only on those', () => {
    const resources: Record<string, { Type: string; Properties: Record<string, unknown> }> = {
      IngestEventSourceMappingKafkaTelematicsevents: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { Topics: ['telematics.events'] } },
      OtherEventSourceMappingKafkaOther: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { Topics: ['other'] } },
    };
    const custom = { ingest: { topic: 'telematics.events', functionResponseTypes: ['ReportBatchItemFailures'], maximumRetryAttempts: 10, bisectBatchOnFunctionError: true } };
    const plugin = new IngestEventSourcePlugin({ service: { custom, provider: { compiledCloudFormationTemplate: { Resources: resources } } } });
    plugin.hooks['after:package:compileEvents']?.();
    expect(resources.IngestEventSourceMappingKafkaTelematicsevents?.Properties).toEqual({
      Topics: ['telematics.events'], FunctionResponseTypes: ['ReportBatchItemFailures'], MaximumRetryAttempts: 10, BisectBatchOnFunctionError: true,
    });
    expect(resources.OtherEventSourceMappingKafkaOther?.Properties).toEqual({ Topics: ['other'] });
  });
});
