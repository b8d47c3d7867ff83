import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FUTURE_TOLERANCE_MS, trustedEventTime } from './time';

const RECEIVED = new Date('2026-11-24T12:00:00.000Z');
const iso = (ms: number) => new Date(RECEIVED.getTime() + ms).toISOString();

describe('trustedEventTime', () => {
  test('an event without times happened when it was received', () => {
    assert.equal(trustedEventTime({}, RECEIVED), RECEIVED.toISOString());
  });

  test('a past timestamp without sentAt is taken as it is', () => {
    assert.equal(trustedEventTime({ timestamp: '2026-06-06T11:36:00Z' }, RECEIVED), '2026-06-06T11:36:00.000Z');
  });

  test('clock skew is corrected with sentAt: receivedAt - (sentAt - timestamp)', () => {
    // The device clock runs one hour fast: it stamped the event 10 s before sending it.
    const hour = 3_600_000;
    assert.equal(trustedEventTime({ timestamp: iso(hour - 10_000), sentAt: iso(hour) }, RECEIVED), iso(-10_000));
  });

  test('a batch-level sentAt corrects every event of the batch', () => {
    assert.equal(trustedEventTime({ timestamp: iso(60_000 - 5_000) }, RECEIVED, iso(60_000)), iso(-5_000));
  });

  test('an event dated more than a few minutes past its receipt is treated as received now', () => {
    assert.equal(trustedEventTime({ timestamp: '2099-01-01T00:00:00Z' }, RECEIVED), RECEIVED.toISOString());
    assert.equal(trustedEventTime({ timestamp: iso(FUTURE_TOLERANCE_MS + 1) }, RECEIVED), RECEIVED.toISOString());
    assert.equal(trustedEventTime({ timestamp: iso(FUTURE_TOLERANCE_MS - 1_000) }, RECEIVED), iso(FUTURE_TOLERANCE_MS - 1_000));
  });

  test('a fast clock cannot date an event in the future by sending a matching sentAt', () => {
    assert.equal(trustedEventTime({ timestamp: '2099-01-01T00:00:00Z', sentAt: '2099-01-01T00:00:01Z' }, RECEIVED), iso(-1_000));
  });

  test('a correction never dates an event before 1970', () => {
    assert.equal(trustedEventTime({ timestamp: '1971-01-01T00:00:00Z', sentAt: '2099-01-01T00:00:00Z' }, RECEIVED), '1970-01-01T00:00:00.000Z');
  });
});
