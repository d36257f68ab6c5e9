import { describe, expect, test } from 'vitest';
import { DIMENSIONS } from '@pulsegap/domain';
import { draftOf, employeeQuestions, newDraft, pulseBody, pulseChanges } from './pulse-draft.js';

const settings = { timezone: 'Europe/Berlin', minGroupSize: 5, commentMinGroupSize: 10 };

describe('the pulse draft', () => {
  test('a new pulse asks everyone every dimension at the organization floor', () => {
    const draft = { ...newDraft(settings), title: 'Q3', priorityIds: ['p1'] };
    expect(pulseBody(draft)).toEqual({
      title: 'Q3',
      priorityIds: ['p1'],
      dimensions: [...DIMENSIONS],
      openQuestion: true,
      predictions: false,
      audience: {},
      openForHours: 72,
      minGroupSize: 5,
      commentMinGroupSize: 10,
      reminders: { halfWindow: true, hoursBeforeClose: 24 },
    });
  });

  test('reminders turned off, or moved, go into the body and the change', () => {
    const draft = {
      ...newDraft(settings),
      title: 'Quiet',
      priorityIds: ['p1'],
      remindHalfWindow: false,
      remindHoursBeforeClose: null,
    };
    expect(pulseBody(draft).reminders).toEqual({ halfWindow: false, hoursBeforeClose: null });
    expect(pulseChanges({ ...draft, remindHoursBeforeClose: 12 }).reminders).toEqual({
      halfWindow: false,
      hoursBeforeClose: 12,
    });
  });

  test('a weekly schedule becomes its cron with the zone and window', () => {
    const draft = {
      ...newDraft(settings),
      title: 'Weekly',
      priorityIds: ['p1'],
      tiers: ['frontline' as const],
      teamIds: ['t1'],
      scheduled: true,
      schedule: { kind: 'weekly' as const, weekday: 3, hour: 10, minute: 30 },
      openForHours: 48,
    };
    expect(pulseBody(draft)).toMatchObject({
      audience: { teams: ['t1'], tiers: ['frontline'] },
      schedule: { cron: '30 10 * * 3', everyWeeks: 1, timezone: 'Europe/Berlin', openForHours: 48 },
    });
    expect(pulseChanges({ ...draft, scheduled: false })).toMatchObject({ schedule: null });
  });

  test('a saved pulse opens with its preset and audience', () => {
    const draft = draftOf(
      {
        id: 'x',
        title: 'Saved',
        priorityIds: ['p1'],
        dimensions: ['custom-budget', 'staffing', 'clarity'],
        openQuestion: false,
        audience: { teams: null, tiers: ['leadership'] },
        schedule: { cron: '0 9 * * 1#1', timezone: 'UTC', openForHours: 24, everyWeeks: 1 },
        openForHours: 24,
        minGroupSize: 6,
        commentMinGroupSize: 12,
        paused: false,
        reminders: { halfWindow: false, hoursBeforeClose: 6 },
        predictions: true,
        latestRunId: null,
        nextOccurrences: [],
      },
      settings,
    );
    expect(draft).toMatchObject({
      dimensions: ['clarity', 'staffing', 'custom-budget'],
      predictions: true,
      tiers: ['leadership'],
      teamIds: [],
      scheduled: true,
      schedule: { kind: 'monthly', weekday: 1, hour: 9, minute: 0 },
      timezone: 'UTC',
      openForHours: 24,
      remindHalfWindow: false,
      remindHoursBeforeClose: 6,
    });
  });

  test('the employee page asks each chosen dimension of each priority, in the bank order', () => {
    const draft = {
      ...newDraft(settings),
      priorityIds: ['b', 'a'],
      dimensions: ['feasibility' as const, 'clarity' as const],
    };
    const groups = employeeQuestions(draft, [
      { id: 'a', title: 'Alpha' },
      { id: 'b', title: 'Beta' },
    ]);
    expect(
      groups.map((g) => [g.title, g.questions.map((q) => [q.index, q.question.text])]),
    ).toEqual([
      [
        'Beta',
        [
          [0, 'I understand what Beta asks of my team in practice.'],
          [1, 'Beta is achievable this quarter with the time, tools and budget we have.'],
        ],
      ],
      [
        'Alpha',
        [
          [2, 'I understand what Alpha asks of my team in practice.'],
          [3, 'Alpha is achievable this quarter with the time, tools and budget we have.'],
        ],
      ],
    ]);
  });

  test('custom items are asked after the bank’s, with the title in their statement; predictions go into the body and the change', () => {
    const draft = {
      ...newDraft(settings),
      priorityIds: ['a'],
      dimensions: ['custom-budget', 'staffing'],
      predictions: true,
    };
    const groups = employeeQuestions(
      draft,
      [{ id: 'a', title: 'Alpha' }],
      [{ key: 'custom-budget', statement: 'We have the budget {P} needs.' }],
    );
    expect(groups[0]?.questions.map((q) => q.question.text)).toEqual([
      'My team is staffed to deliver Alpha alongside our other commitments.',
      'We have the budget Alpha needs.',
    ]);
    expect(pulseBody(draft)).toMatchObject({
      dimensions: ['custom-budget', 'staffing'],
      predictions: true,
    });
    expect(pulseChanges({ ...draft, predictions: false }).predictions).toBe(false);
  });

  test('leaders are asked the predictions after a priority’s items; decisions come last, noting their team', () => {
    const draft = {
      ...newDraft(settings),
      priorityIds: ['a'],
      dimensions: ['clarity', 'staffing', 'feasibility'],
      predictions: true,
    };
    const decisionItems = ['settled', 'stopped'].map((kind) => ({
      decisionId: 'd',
      decisionTitle: 'Freeze',
      priorityId: 'a',
      kind,
      audienceTier: null,
      audienceTeamId: 'ops',
      text: `${kind} item`,
    }));
    const asked = (tier: 'leadership' | 'frontline') =>
      employeeQuestions(draft, [{ id: 'a', title: 'Alpha' }], [], {
        tier,
        decisionItems,
        teamName: (id) => (id === 'ops' ? 'Operations' : undefined),
      }).map((g) => [g.title, g.questions.map((q) => [q.index, q.question.kind, q.note ?? null])]);
    const decisions = [
      'Decisions',
      [
        [5, 'settled', 'Asked only of Operations and the teams under it:'],
        [6, 'stopped', null],
      ],
    ];
    expect(asked('leadership')).toEqual([
      [
        'Alpha',
        [
          [0, 'bank', null],
          [1, 'bank', null],
          [2, 'bank', null],
          [3, 'prediction', null],
          [4, 'prediction', null],
        ],
      ],
      decisions,
    ]);
    expect(
      employeeQuestions(draft, [{ id: 'a', title: 'Alpha' }], [], { tier: 'leadership' })[0]
        ?.questions[3]?.question.text,
    ).toBe(
      'How do you expect the frontline to rate: "My team is staffed to deliver Alpha alongside our other commitments."?',
    );
    expect(asked('frontline')).toEqual([
      [
        'Alpha',
        [
          [0, 'bank', null],
          [1, 'bank', null],
          [2, 'bank', null],
        ],
      ],
      [
        'Decisions',
        [
          [3, 'settled', 'Asked only of Operations and the teams under it:'],
          [4, 'stopped', null],
        ],
      ],
    ]);
  });
});
