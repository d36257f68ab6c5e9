import { describe, expect, test } from 'vitest';
import type { Tier } from './question-bank.js';
import { estimatedMinutes, previewRun, type RunPreviewInput } from './run-preview.js';

// Sales (its leaders and four frontline people) over East, West and North (frontline), and
// Ops, a frontline team at k.
const teams = [
  { id: 'sales', name: 'Sales', parentId: null },
  { id: 'east', name: 'East', parentId: 'sales' },
  { id: 'west', name: 'West', parentId: 'sales' },
  { id: 'north', name: 'North', parentId: 'sales' },
  { id: 'ops', name: 'Ops', parentId: null },
];

const people = (teamId: string, tier: Tier, count: number) =>
  Array.from({ length: count }, () => ({ teamId, tier }));

/** `n` questions asked of everyone. */
const everyone = (n: number) =>
  Array.from({ length: n }, () => ({ audienceTier: null, audienceTeamId: null }));

const input = (overrides: Partial<RunPreviewInput> = {}): RunPreviewInput => ({
  teams,
  members: [
    ...people('sales', 'leadership', 6),
    ...people('sales', 'frontline', 4),
    ...people('east', 'frontline', 12),
    ...people('west', 'frontline', 6),
    ...people('north', 'frontline', 2),
    ...people('ops', 'frontline', 5),
  ],
  tiers: null,
  thresholds: { minGroupSize: 5, commentMinGroupSize: 10 },
  questions: everyone(6),
  openQuestion: true,
  ...overrides,
});

describe('previewRun', () => {
  test('counts the invitees, merges a team under k upward and says what can be shown', () => {
    const preview = previewRun(input());
    expect(preview).toMatchObject({
      invited: 35,
      startable: true,
      problem: null,
      tiers: [
        { tier: 'leadership', invited: 6, underK: false },
        { tier: 'frontline', invited: 29, underK: false },
      ],
    });
    // North's two share Sales's frontline key (Sales's own four and them: six).
    expect(preview.merged).toEqual([
      { teamId: 'north', tier: 'frontline', invited: 2, intoTeamId: 'sales' },
    ]);
    expect(preview.segments).toContainEqual({ teamId: 'sales', tier: 'frontline', invited: 6 });
    expect(preview.segments).toHaveLength(5);
    const byName = Object.fromEntries(preview.teams.map((t) => [t.name, t]));
    expect(Object.keys(byName)).toEqual(['Sales', 'East', 'West', 'North', 'Ops']);
    expect(byName.Sales).toMatchObject({
      invited: { leadership: 6, frontline: 24 },
      figures: true,
    });
    expect(byName.North).toMatchObject({
      invited: { leadership: 0, frontline: 2 },
      figures: false,
    });
    for (const name of ['East', 'West', 'Ops']) expect(byName[name]?.figures).toBe(true);
    // Comments at 10: East's list, and the organization's. Sales's would give away Ops's
    // five as the organization's minus Sales's, so it is hidden too.
    expect(byName.East?.comments).toEqual({ leadership: false, frontline: true });
    expect(byName.Sales?.comments).toEqual({ leadership: false, frontline: false });
    expect(byName.West?.comments.frontline).toBe(false);
    expect(preview.organization).toEqual({
      invited: { leadership: 6, frontline: 29 },
      figures: true,
      comments: { leadership: false, frontline: true },
    });
    expect(preview.warnings).toEqual([expect.stringContaining('1 of 5 teams cannot be shown')]);
  });

  test('a team whose people topped up the organization’s group is not shown on its own', () => {
    // Ops's three alone at the top are under k: West's six join them in the organization's
    // segment, so neither West nor Sales (which lost them) has figures of its own.
    const preview = previewRun(
      input({
        members: [
          ...people('sales', 'leadership', 6),
          ...people('east', 'frontline', 12),
          ...people('west', 'frontline', 6),
          ...people('ops', 'frontline', 3),
        ],
      }),
    );
    expect(preview.merged).toEqual([
      { teamId: 'west', tier: 'frontline', invited: 6, intoTeamId: null },
      { teamId: 'ops', tier: 'frontline', invited: 3, intoTeamId: null },
    ]);
    const figures = Object.fromEntries(preview.teams.map((t) => [t.name, t.figures]));
    expect(figures).toEqual({ Sales: false, East: true, West: false, Ops: false });
  });

  test('a tier of the audience under k: the run could not start, and it says why', () => {
    const preview = previewRun(
      input({ members: [...people('sales', 'leadership', 4), ...people('east', 'frontline', 9)] }),
    );
    expect(preview.startable).toBe(false);
    expect(preview.problem).toContain('4 leadership people');
    expect(preview.tiers[0]).toEqual({ tier: 'leadership', invited: 4, underK: true });
  });

  test('an audience of frontline only is not held back by the leaders it leaves out', () => {
    const preview = previewRun(
      input({ tiers: ['frontline'], members: people('east', 'frontline', 5) }),
    );
    expect(preview.startable).toBe(true);
    expect(preview.tiers).toEqual([{ tier: 'frontline', invited: 5, underK: false }]);
  });

  test('nobody in the audience', () => {
    const preview = previewRun(input({ members: [] }));
    expect(preview).toMatchObject({ startable: false, invited: 0, teams: [] });
    expect(preview.problem).toContain('Nobody');
  });

  test('a long pulse is warned about, a short one is not', () => {
    expect(estimatedMinutes(6, true)).toBe(2);
    expect(estimatedMinutes(6, false)).toBe(1);
    expect(estimatedMinutes(15, false)).toBe(2);
    expect(estimatedMinutes(16, false)).toBe(2.5);
    expect(
      previewRun(input({ questions: everyone(15), openQuestion: false })).warnings,
    ).toHaveLength(1);
    const long = previewRun(input({ questions: everyone(16), openQuestion: false }));
    expect(long.warnings).toHaveLength(2);
    expect(long.warnings[0]).toContain('Up to 16 questions take about 2.5 minutes');
  });

  test('counts what the most-asked invitee answers: predictions for leaders, a team’s follow-ups', () => {
    const prediction = { audienceTier: 'leadership' as const, audienceTeamId: null };
    const followUp = (teamId: string) => ({ audienceTier: null, audienceTeamId: teamId });
    const count = (questions: RunPreviewInput['questions'], more: Partial<RunPreviewInput> = {}) =>
      previewRun(input({ questions, openQuestion: false, ...more }));

    expect(count(everyone(6)).questions).toBe(6);
    // Sales's leaders answer the six and two predictions.
    expect(count([...everyone(6), prediction, prediction])).toMatchObject({
      questions: 8,
      estimatedMinutes: estimatedMinutes(8, false),
    });
    // Without leaders in the audience, nobody is asked the predictions.
    expect(
      count([...everyone(6), prediction, prediction], {
        tiers: ['frontline'],
        members: input().members.filter((m) => m.tier === 'frontline'),
      }).questions,
    ).toBe(6);
    // East's follow-ups reach East only; Sales's reach its teams too, not Ops: nobody is
    // asked both decisions' items, so the most is 6 + 2 + 2 (Sales's leaders: predictions too).
    expect(count([...everyone(6), followUp('east'), followUp('east')]).questions).toBe(8);
    expect(
      count([
        ...everyone(6),
        prediction,
        prediction,
        followUp('sales'),
        followUp('sales'),
        followUp('ops'),
        followUp('ops'),
        followUp('ops'),
      ]).questions,
    ).toBe(10);
    // North's people are merged into Sales: North's items reach nobody.
    expect(count([...everyone(6), followUp('north')]).questions).toBe(6);
    // A team outside the audience: nobody is asked its items.
    expect(count([...everyone(6), followUp('elsewhere')]).questions).toBe(6);
  });

  test('with nobody in the audience, counts what anyone of the tiers asked could be asked', () => {
    const preview = previewRun(
      input({
        members: [],
        tiers: ['frontline'],
        questions: [
          ...everyone(3),
          { audienceTier: 'leadership', audienceTeamId: null },
          { audienceTier: null, audienceTeamId: 'east' },
        ],
      }),
    );
    expect(preview.questions).toBe(4);
  });
});
