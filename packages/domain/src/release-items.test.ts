import { describe, expect, test } from 'vitest';
import { briefMarkdown } from './brief.js';
import { histogramFromValues } from './histogram.js';
import type { Tier } from './question-bank.js';
import { parseRelease, releaseRun, type ReleaseInput } from './release.js';
import type { SegmentCount } from './run-figures.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const P = uuid(100);

function counts(position: number, tier: Tier, values: readonly number[]): SegmentCount[] {
  return histogramFromValues(values).flatMap((count, i) =>
    count === 0 ? [] : [{ segmentTeamId: null, tier, position, value: i + 1, count }],
  );
}

/** A run of one priority: staffing (0), a custom item (1), the staffing prediction (2). */
function input(answers: {
  staffing: Record<Tier, number[]>;
  custom: Record<Tier, number[]>;
  predicted: number[];
}): ReleaseInput {
  return {
    run: {
      id: uuid(1),
      pulseId: uuid(2),
      pulseTitle: 'Pulse',
      openedAt: new Date(Date.UTC(2026, 11, 1)),
      closesAt: new Date(Date.UTC(2026, 11, 4)),
      closedAt: new Date(Date.UTC(2026, 11, 4)),
      minGroupSize: 5,
      commentMinGroupSize: 10,
    },
    releasedAt: new Date(Date.UTC(2026, 11, 4, 0, 0, 1)),
    teams: [],
    questions: [
      { position: 0, priorityId: P, dimension: 'staffing', kind: 'bank' },
      { position: 1, priorityId: P, dimension: 'custom-budget', kind: 'custom' },
      { position: 2, priorityId: P, dimension: 'staffing', kind: 'prediction' },
    ],
    priorities: [{ id: P, title: 'Customer Focus', statedWeight: 4 }],
    counts: [
      ...counts(0, 'leadership', answers.staffing.leadership),
      ...counts(0, 'frontline', answers.staffing.frontline),
      ...counts(1, 'leadership', answers.custom.leadership),
      ...counts(1, 'frontline', answers.custom.frontline),
      ...counts(2, 'leadership', answers.predicted),
    ],
    committedClarity: new Map(),
    respondents: [
      { teamId: null, tier: 'leadership', count: 10 },
      { teamId: null, tier: 'frontline', count: 10 },
    ],
    comments: [],
    participation: [],
    mergedAtClose: { leadership: [], frontline: [] },
    earlierReleases: [],
  };
}

const leaders = [5, 5, 5, 4, 4, 4, 4, 5, 4, 3];
const split = [1, 2, 1, 2, 5, 4, 4, 5, 3, 3];

describe('the release: custom items, predictions, easy agreement', () => {
  test('predictions are no cell; the custom item is; both flagged and blind spot are released', () => {
    const release = releaseRun(
      input({
        staffing: { leadership: leaders, frontline: split },
        custom: { leadership: leaders, frontline: [4, 4, 5, 5, 4, 4, 5, 3, 2, 4] },
        predicted: [4, 4, 4, 4, 3, 4, 4, 4, 4, 4],
      }),
    );
    expect(release.cells.map((c) => c.dimension)).toEqual(['staffing', 'custom-budget']);
    expect(release.cells[0]?.leadership?.n).toBe(10);
    expect(release.easyAgreements).toEqual([
      expect.objectContaining({ dimension: 'staffing', side: 'agree', leadershipShare: 0.9 }),
    ]);
    expect(release.brief.easyAgreements).toEqual(release.easyAgreements);
    expect(release.blindSpots).toEqual([
      expect.objectContaining({
        dimension: 'staffing',
        predicted: { n: 10, mean: 3.9 },
        actual: { n: 10, mean: 3 },
        suppressed: false,
      }),
    ]);
    // Shown, but with a split frontline its 95% interval holds 0: the brief names none, and says so.
    expect(release.brief.blindSpot).toBeNull();
    expect(release.brief.notes).toContainEqual(
      expect.stringMatching(/^No difference between leadership's predictions/),
    );
    // The stored document, checked when read, holds them.
    expect(parseRelease(JSON.parse(JSON.stringify(release)))).toEqual(release);
    const markdown = briefMarkdown(release.brief);
    expect(markdown).toContain('## Agreement that came too easily');
  });

  test('a tier under k: no easy agreement, and a blind spot without a number', () => {
    const release = releaseRun(
      input({
        staffing: { leadership: leaders.slice(0, 4), frontline: split },
        custom: { leadership: leaders, frontline: split },
        predicted: [4, 4, 4, 4],
      }),
    );
    expect(release.easyAgreements?.map((e) => e.dimension)).toEqual(['custom-budget']);
    expect(release.blindSpots).toEqual([
      {
        priorityId: P,
        title: 'Customer Focus',
        dimension: 'staffing',
        predicted: null,
        actual: null,
        difference: null,
        ci95: null,
        suppressed: true,
      },
    ]);
    expect(release.brief.blindSpot).toBeNull();
    expect(release.brief.notes).toContainEqual(
      expect.stringMatching(/^1 of leadership's predictions was withheld/),
    );
    expect(briefMarkdown(release.brief)).not.toContain('blind spot');
  });
});
