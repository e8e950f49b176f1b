/**
 * The probe's measure: samples to client-seen downtime, failed and stale, over a window.
 */
import type { Sample } from '../../../../scripts/sim/sql/samples';
import { measure, SampleMeasureError } from '../../../../scripts/sim/sql/samples';

const t0 = Date.parse('2026-11-18T03:00:00Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000);
const ok = (seconds: number, instanceId = 'y'): Sample => ({ at: at(seconds), ok: true, instanceId });
const failed = (seconds: number, error = 'ECONNREFUSED'): Sample => ({ at: at(seconds), ok: false, error });

describe('probe measure (samples to client-seen downtime)', () => {
  it('probe measure counts each failed sample for its interval and merges them into windows', () => {
    const samples = [ok(0), ok(5), failed(10), failed(15, 'NXDOMAIN'), ok(20), failed(25), ok(30)];

    const m = measure(samples, { intervalSeconds: 5 });

    expect(m).toMatchObject({ samples: 7, failedSamples: 3, downtimeSeconds: 15, staleSeconds: 0, clientDowntimeSeconds: 15, observedSeconds: 35 });
    expect(m.windows).toEqual([
      { from: at(10), to: at(20), seconds: 10, kind: 'failed', causes: ['ECONNREFUSED', 'NXDOMAIN'] },
      { from: at(25), to: at(30), seconds: 5, kind: 'failed', causes: ['ECONNREFUSED'] },
    ]);
  });

  it('probe measure clips samples to the window and counts a sample before a gap for one interval only', () => {
    const samples = [failed(0), failed(5), ok(60)];

    expect(measure(samples, { intervalSeconds: 5, from: at(2), to: at(70) })).toMatchObject({ samples: 2, downtimeSeconds: 8, observedSeconds: 13 });
  });

  it('probe measure counts answers from another instance than the expected one as stale, apart from failures', () => {
    const samples = [ok(0, 'y-a'), ok(5, 'y-a'), ok(10, 'y-a'), failed(15), ok(20, 'y-b')];
    const expected = (when: Date) => (when < at(5) ? 'y-a' : 'y-b');

    const m = measure(samples, { intervalSeconds: 5, expected });

    expect(m).toMatchObject({ failedSamples: 1, staleSamples: 2, downtimeSeconds: 5, staleSeconds: 10, clientDowntimeSeconds: 15 });
    expect(m.windows.map((w) => [w.kind, w.seconds, w.causes])).toEqual([
      ['stale', 10, ['y-a']],
      ['failed', 5, ['ECONNREFUSED']],
    ]);
  });

  it('probe measure fails on a window that ends before it starts, or an interval of zero', () => {
    expect(() => measure([], { intervalSeconds: 5, from: at(10), to: at(0) })).toThrow(SampleMeasureError);
    expect(() => measure([], { intervalSeconds: 0 })).toThrow('intervalSeconds must be positive, got 0');
  });
});
