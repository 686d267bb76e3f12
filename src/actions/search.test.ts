import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dayStart, parseQuery, pickTimeZone } from './search.ts';
import { AppError } from '../errors.ts';

test('parseQuery: terms, phrases, exclusions and filters', () => {
  assert.equal(parseQuery('quick  brown dep* "lazy dog" -cat -"red fox" from:@Bob in:~Town-Square channel:off-topic in:@Carol on:2024-02-29 before:2024-03-01 after:2024-01-01'), {
    terms: ['quick', 'brown'],
    prefixes: ['dep'],
    phrases: ['lazy dog'],
    excludedTerms: ['cat'],
    excludedPhrases: ['red fox'],
    from: ['bob'],
    in: ['town-square', 'off-topic', '@carol'],
    on: '2024-02-29',
    before: '2024-03-01',
    after: '2024-01-01',
  });
});

test('parseQuery: hostile and odd input stays literal text', () => {
  assert.equal(parseQuery("' OR 1=1--").terms, ["'", 'OR', '1=1--']);
  assert.equal(parseQuery('% _ \\').terms, ['%', '_', '\\']);
  assert.equal(parseQuery('"unterminated phrase').phrases, ['unterminated phrase']);
  assert.equal(parseQuery('- -- ""'), { terms: [], prefixes: [], phrases: [], excludedTerms: [], excludedPhrases: [], from: [], in: [] }, 'dashes and an empty phrase are ignored');
  assert.equal(parseQuery('from: in:').from, [], 'empty filters are ignored');
  assert.equal(parseQuery('in:"my channel"').in, ['my channel']);
  assert.equal(parseQuery("a* %* *").prefixes, ['a'], 'only letters and digits make a prefix');
  assert.equal(parseQuery("a* %* *").terms, ['%*', '*']);
  assert.equal(parseQuery('-from:bob').excludedTerms, ['from:bob'], 'negated filters are plain words');
});

test('parseQuery: ext: only for file search', () => {
  const files = parseQuery('report ext:PDF -ext:.doc ext: in:abc', { ext: true });
  assert.equal(files.ext, ['pdf']);
  assert.equal(files.excludedExt, ['doc'], 'a leading dot is dropped');
  assert.equal(files.terms, ['report']);
  assert.equal(parseQuery('report ext:pdf').terms, ['report', 'ext:pdf'], 'post search keeps ext: as a word');
  assert.is(parseQuery('report').ext, undefined);
});

test('dayStart: UTC, zones with DST, invalid dates', () => {
  assert.is(dayStart('2024-03-10', 'UTC'), Date.UTC(2024, 2, 10));
  assert.is(dayStart('2024-01-15', 'America/New_York'), Date.UTC(2024, 0, 15, 5));
  assert.is(dayStart('2024-07-15', 'America/New_York'), Date.UTC(2024, 6, 15, 4));
  assert.is(dayStart('2024-03-31', 'Europe/Berlin'), Date.UTC(2024, 2, 30, 23), 'DST starts at 02:00 that day');
  assert.is(dayStart('2024-06-01', 'Asia/Kolkata'), Date.UTC(2024, 4, 31, 18, 30));
  for (const bad of ['2024-02-30', '2024-13-01', '24-01-01', 'yesterday', "2024-01-01' OR 1=1"]) {
    try {
      dayStart(bad, 'UTC');
      assert.unreachable(bad);
    } catch (e) {
      assert.instance(e, AppError);
      assert.is((e as AppError).code, 'invalid_search_date');
    }
  }
});

test('pickTimeZone: request, then profile, then UTC', () => {
  assert.is(pickTimeZone(undefined, {}), 'UTC');
  assert.is(pickTimeZone(undefined, { useAutomaticTimezone: 'true', automaticTimezone: 'Europe/Paris', manualTimezone: '' }), 'Europe/Paris');
  assert.is(pickTimeZone(undefined, { useAutomaticTimezone: 'false', automaticTimezone: 'Europe/Paris', manualTimezone: 'Asia/Tokyo' }), 'Asia/Tokyo');
  assert.is(pickTimeZone(undefined, { useAutomaticTimezone: 'false', manualTimezone: 'Not/AZone' }), 'UTC');
  assert.is(pickTimeZone('America/Chicago', { manualTimezone: 'Asia/Tokyo' }), 'America/Chicago');
  assert.throws(() => pickTimeZone('Mars/Olympus', {}), (e: AppError) => e.code === 'invalid_time_zone');
});

test.run();
