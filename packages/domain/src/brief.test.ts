import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  BRIEF_MAX_FINDINGS,
  briefMarkdown,
  facilitationBrief,
  type BriefCell,
  type BriefFinding,
  type BriefInput,
  type BriefPriority,
  type FacilitationBrief,
} from './brief.js';
import { computeCell } from './cell-statistics.js';
import type { Histogram } from './histogram.js';
import { DIMENSIONS } from './question-bank.js';
import {
  clarityIndex,
  COLLISION_SIGNIFICANCE_LEVEL,
  collisionScore,
  commitmentDrift,
  type ClarityIndex,
  type CollisionScore,
} from './run-metrics.js';
import { benjaminiHochberg, type ConfidenceInterval } from './statistics.js';

// The example: leadership answered 4 ×7 and 5 ×3 (mean 4.3), the frontline 1 ×2,
// 2 ×14 and 3 ×4 (mean 2.1). R: t.test gives the interval 1.7908–2.6092.
const LEADERSHIP_STAFFING: Histogram = [0, 0, 0, 7, 3];
const FRONTLINE_STAFFING: Histogram = [2, 14, 4, 0, 0];
const EXAMPLE =
  'Leadership rates staffing for Customer Focus 4.3, the frontline 2.1 (gap 2.2, 95% CI 1.8–2.6, q = 0.003).';

type Statistics = BriefCell['statistics'];

function fromHistograms(leadership: Histogram, frontline: Histogram, qValue: number): Statistics {
  const statistics = computeCell({ leadership, frontline, minGroupSize: 5 });
  if (statistics.suppressed) throw new Error('the test cell is suppressed');
  return { ...statistics, qValue };
}

interface LiteralOptions {
  readonly ci95?: ConfidenceInterval | null;
  readonly cliffsDelta?: number;
}

/** A reported cell from its two means; the interval is the gap ± 0.4 unless given. */
function literal(
  leadershipMean: number,
  frontlineMean: number,
  qValue: number | null,
  options: LiteralOptions = {},
): Statistics {
  const gap = leadershipMean - frontlineMean;
  return {
    suppressed: false,
    leadership: { n: 12, mean: leadershipMean, sd: 0.8, top2: 0.5 },
    frontline: { n: 40, mean: frontlineMean, sd: 0.9, top2: 0.3 },
    gap,
    ci95: options.ci95 === undefined ? [gap - 0.4, gap + 0.4] : options.ci95,
    pValue: qValue,
    qValue,
    cliffsDelta: options.cliffsDelta ?? Math.sign(gap) * 0.5,
    hedgesG: gap / 0.9,
  };
}

function cell(priorityId: string, dimension: string, statistics: Statistics): BriefCell {
  return { priorityId, dimension, statistics };
}

function priority(id: string, title: string, rest: Partial<BriefPriority> = {}): BriefPriority {
  return {
    id,
    title,
    statedWeight: 3,
    collision: null,
    clarity: null,
    committedClarity: null,
    drift: null,
    ...rest,
  };
}

function run(rest: Partial<BriefInput> = {}): BriefInput {
  return {
    runId: 'run-1',
    pulseTitle: 'Q3 alignment pulse',
    minGroupSize: 5,
    responses: 64,
    computedAt: new Date('2025-06-30T08:00:00Z'),
    priorities: [],
    cells: [],
    suppressedCells: 0,
    ...rest,
  };
}

function significantCollision(score: number): CollisionScore {
  return { score, meanGap: score * 4, significant: true, basedOn: ['staffing', 'feasibility'] };
}

/** A clarity index of `count` clear respondents out of `n`. */
function clarity(count: number, n: number): ClarityIndex {
  const index = clarityIndex([n - count, 0, 0, count, 0]);
  if (index === null) throw new Error('no clarity index without respondents');
  return index;
}

function kinds(brief: FacilitationBrief): string[] {
  return brief.findings.map((finding) => `${finding.kind}:${finding.priorityId}`);
}

describe('facilitationBrief: the issue example', () => {
  const statistics = fromHistograms(LEADERSHIP_STAFFING, FRONTLINE_STAFFING, 0.003);

  test('a significant staffing gap reads as in the issue', () => {
    const brief = facilitationBrief(
      run({
        priorities: [priority('p-cf', 'Customer Focus')],
        cells: [cell('p-cf', 'staffing', statistics)],
      }),
    );
    expect(brief.findings).toHaveLength(1);
    const [finding] = brief.findings;
    expect(finding).toMatchObject({ kind: 'gap', priorityId: 'p-cf', text: EXAMPLE });
    for (const part of ['4.3', '2.1', 'gap 2.2', '95% CI 1.8–2.6', 'q = 0.003']) {
      expect(finding?.text).toContain(part);
    }
    expect(finding?.figures).toMatchObject({
      dimension: 'staffing',
      leadershipMean: 4.3,
      frontlineMean: 2.1,
      qValue: 0.003,
      cliffsDelta: 1,
    });
    expect(brief.questions.map((question) => question.text)).toContain(
      'What would have to stop for Customer Focus to be staffed?',
    );
  });

  test('as a collision: the same numbers, the stated weight and the staffing question', () => {
    const collision = collisionScore({
      statedWeight: 5,
      staffing: { gap: statistics.gap, qValue: 0.003 },
      feasibility: null,
    });
    const brief = facilitationBrief(
      run({
        priorities: [priority('p-cf', 'Customer Focus', { statedWeight: 5, collision })],
        cells: [cell('p-cf', 'staffing', statistics)],
      }),
    );
    const [finding] = brief.findings;
    expect(finding?.kind).toBe('collision');
    expect(finding?.title).toBe('Customer Focus collides with staffing');
    expect(finding?.text).toContain(EXAMPLE.slice(0, -1));
    expect(finding?.text).toContain('stated weight of 5 out of 5');
    expect(finding?.text).toContain('less sure it can be staffed');
    expect(finding?.figures).toMatchObject({ statedWeight: 5, collisionScore: collision?.score });
    expect(brief.questions[0]).toEqual({
      priorityId: 'p-cf',
      text: 'What would have to stop for Customer Focus to be staffed?',
    });
  });

  test('a run computed end to end: cells, q-values, collision and clarity', () => {
    const histograms: [string, string, Histogram, Histogram][] = [
      ['p-cf', 'staffing', LEADERSHIP_STAFFING, FRONTLINE_STAFFING],
      ['p-cf', 'feasibility', [0, 0, 2, 5, 3], [2, 8, 6, 4, 0]],
      ['p-cf', 'importance', [0, 0, 3, 4, 3], [0, 2, 6, 8, 4]],
      ['p-cost', 'staffing', [0, 1, 4, 4, 1], [0, 3, 7, 8, 2]],
    ];
    const computed = histograms.map(([, , leadership, frontline]) => {
      const statistics = computeCell({ leadership, frontline, minGroupSize: 5 });
      if (statistics.suppressed) throw new Error('suppressed');
      return statistics;
    });
    const qValues = benjaminiHochberg(computed.map((statistics) => statistics.pValue));
    const cells = histograms.map(([priorityId, dimension], index) => {
      const statistics = computed[index];
      if (statistics === undefined) throw new Error('missing cell');
      return cell(priorityId, dimension, { ...statistics, qValue: qValues[index] ?? null });
    });
    const resourcing = (priorityId: string, dimension: string) => {
      const found = cells.find((c) => c.priorityId === priorityId && c.dimension === dimension);
      return found === undefined
        ? null
        : { gap: found.statistics.gap, qValue: found.statistics.qValue };
    };
    const brief = facilitationBrief(
      run({
        priorities: [
          priority('p-cf', 'Customer Focus', {
            statedWeight: 5,
            collision: collisionScore({
              statedWeight: 5,
              staffing: resourcing('p-cf', 'staffing'),
              feasibility: resourcing('p-cf', 'feasibility'),
            }),
            clarity: clarityIndex([3, 5, 4, 10, 8]),
          }),
          priority('p-cost', 'Cost Discipline', {
            collision: collisionScore({
              statedWeight: 3,
              staffing: resourcing('p-cost', 'staffing'),
              feasibility: null,
            }),
            clarity: clarityIndex([0, 1, 2, 13, 14]),
          }),
        ],
        cells,
      }),
    );
    expect(kinds(brief)).toEqual(['collision:p-cf', 'clarity:p-cf']);
    expect(brief.findings[0]?.title).toBe('Customer Focus collides with staffing and feasibility');
    expect(brief.findings[0]?.text).toMatch(
      /^Leadership rates staffing for Customer Focus 4\.3, the frontline 2\.1 \(gap 2\.2, 95% CI 1\.8–2\.6, q [=<] [\d.]+\), and feasibility 4\.1, the frontline 2\.6 \(gap 1\.5, /,
    );
    expect(brief.questions).toHaveLength(2);
  });
});

describe('facilitationBrief: significance', () => {
  test('gaps that are not significant are never findings, and a note says so', () => {
    const brief = facilitationBrief(
      run({
        priorities: [priority('p1', 'Customer Focus'), priority('p2', 'Cost')],
        cells: [
          cell('p1', 'staffing', literal(4.3, 2.1, 0.2)),
          cell('p1', 'feasibility', literal(4.0, 2.0, COLLISION_SIGNIFICANCE_LEVEL)),
          cell('p2', 'ownership', literal(4.0, 2.0, null)),
        ],
      }),
    );
    expect(brief.findings).toEqual([]);
    expect(brief.questions).toEqual([]);
    expect(brief.notes).toContain(
      'No gap between leadership and the frontline reached significance (q < 0.05); none is presented as a finding.',
    );
    expect(brief.notes).toContain(
      'With no finding to discuss, the brief proposes no questions for the group.',
    );
  });

  test('a collision flagged significant is not a finding unless a cell backs it with q < 0.05', () => {
    const brief = facilitationBrief(
      run({
        priorities: [priority('p1', 'Customer Focus', { collision: significantCollision(0.5) })],
        cells: [cell('p1', 'staffing', literal(4.3, 2.1, 0.07))],
      }),
    );
    expect(brief.findings).toEqual([]);
  });

  test('a significant staffing gap without a significant collision is a plain gap finding', () => {
    const collision: CollisionScore = { ...significantCollision(0.3), significant: false };
    const brief = facilitationBrief(
      run({
        priorities: [priority('p1', 'Customer Focus', { collision })],
        cells: [cell('p1', 'staffing', literal(4.3, 2.1, 0.01))],
      }),
    );
    expect(kinds(brief)).toEqual(['gap:p1']);
  });

  test('a collision cites only its significant positive cells; the rest may be gaps', () => {
    const brief = facilitationBrief(
      run({
        priorities: [priority('p1', 'Customer Focus', { collision: significantCollision(0.2) })],
        cells: [
          cell('p1', 'staffing', literal(3.5, 3.2, 0.3)),
          cell('p1', 'feasibility', literal(4.0, 2.8, 0.02)),
        ],
      }),
    );
    expect(kinds(brief)).toEqual(['collision:p1']);
    const [finding] = brief.findings;
    expect(finding?.title).toBe('Customer Focus collides with feasibility');
    expect(finding?.text).not.toContain('staffing');
    expect(finding?.text).toContain('less sure it can be delivered this quarter');
    expect(brief.questions[0]?.text).toBe(
      'What would have to be true for Customer Focus to be achievable this quarter?',
    );
  });

  test('q-values: two significant digits, "< 0.001", and never a rounded 0.05', () => {
    const textFor = (q: number) =>
      facilitationBrief(
        run({
          priorities: [priority('p1', 'X')],
          cells: [cell('p1', 'tradeoffs', literal(4, 3, q))],
        }),
      ).findings[0]?.text;
    expect(textFor(0.0004)).toContain('q < 0.001');
    expect(textFor(0.01234)).toContain('q = 0.012');
    expect(textFor(0.0496)).toContain('q < 0.05)');
    expect(textFor(0.02)).toContain('q = 0.02)');
  });

  test('a cell without an interval says why instead of inventing one', () => {
    const brief = facilitationBrief(
      run({
        priorities: [priority('p1', 'X')],
        cells: [cell('p1', 'staffing', literal(5, 1, 0.0001, { ci95: null, cliffsDelta: 1 }))],
      }),
    );
    expect(brief.findings[0]?.text).toBe(
      'Leadership rates staffing for X 5.0, the frontline 1.0 (gap 4.0, q < 0.001).',
    );
  });
});

describe('facilitationBrief: direction', () => {
  test('a negative gap is told from the frontline, with the interval turned round', () => {
    const brief = facilitationBrief(
      run({
        priorities: [priority('p1', 'Hybrid Work')],
        cells: [cell('p1', 'tradeoffs', literal(2.9, 3.9, 0.004))],
      }),
    );
    const [finding] = brief.findings;
    expect(finding?.title).toBe('Hybrid Work: the frontline more optimistic on tradeoffs');
    expect(finding?.text).toBe(
      'The frontline rates tradeoffs for Hybrid Work 3.9, leadership 2.9 (the frontline 1.0 higher, 95% CI 0.6–1.4, q = 0.004).',
    );
    expect(finding?.figures).toMatchObject({ gap: expect.closeTo(-1, 9) });
    expect(brief.questions[0]?.text).toBe(
      'What does the frontline see about Hybrid Work that leadership does not?',
    );
  });

  test('an interval across zero is written with "to" and true minus signs', () => {
    const brief = facilitationBrief(
      run({
        priorities: [priority('p1', 'X')],
        cells: [cell('p1', 'ownership', literal(3.3, 3.0, 0.03, { ci95: [-0.1, 0.7] }))],
      }),
    );
    expect(brief.findings[0]?.text).toContain('(gap 0.3, 95% CI \u22120.1 to 0.7, q = 0.03)');
  });
});

describe('facilitationBrief: ranking', () => {
  const priorities = [
    priority('a', 'Alpha', { collision: significantCollision(0.3) }),
    priority('b', 'Bravo', { collision: significantCollision(0.6) }),
    priority('c', 'Charlie'),
    priority('d', 'Delta'),
    priority('e', 'Echo'),
    priority('f', 'Foxtrot', { clarity: clarity(18, 30) }),
    priority('g', 'Golf', {
      drift: { commitmentChange: -0.15, clarityChange: 0, flagged: true },
    }),
  ];
  const cells = [
    cell('a', 'staffing', literal(4.0, 2.8, 0.01)),
    cell('b', 'staffing', literal(4.4, 2.0, 0.001)),
    // |gap| × |Cliff's delta|: Charlie 1.5 × 0.3 = 0.45, Delta 1.0 × 0.9 = 0.9, Echo 0.8 × 0.8.
    cell('c', 'ownership', literal(4.0, 2.5, 0.001, { cliffsDelta: 0.3 })),
    cell('d', 'tradeoffs', literal(3.5, 2.5, 0.02, { cliffsDelta: 0.9 })),
    cell('e', 'importance', literal(3.0, 3.8, 0.03, { cliffsDelta: -0.8 })),
  ];

  test('collisions by score, then gaps by |gap| × |delta|; at most five, the rest in a note', () => {
    const brief = facilitationBrief(run({ priorities, cells }));
    expect(kinds(brief)).toEqual(['collision:b', 'collision:a', 'gap:d', 'gap:e', 'gap:c']);
    expect(brief.findings).toHaveLength(BRIEF_MAX_FINDINGS);
    expect(brief.notes).toContain(
      'Only the 5 most important findings are shown; not shown: 1 priority with clarity below target, 1 flagged commitment drift.',
    );
  });

  test('clarity below target before drift, when there is room', () => {
    const brief = facilitationBrief(run({ priorities, cells: cells.slice(0, 3) }));
    expect(kinds(brief)).toEqual(['collision:b', 'collision:a', 'gap:c', 'clarity:f', 'drift:g']);
    expect(brief.notes.some((note) => note.startsWith('Only the'))).toBe(false);
  });

  test('fewer than three findings are shown as they are, never padded', () => {
    const brief = facilitationBrief(
      run({
        priorities,
        cells: [cells[0], cell('c', 'ownership', literal(4, 3, 0.5))].flatMap((c) => c ?? []),
      }),
    );
    expect(kinds(brief)).toEqual(['collision:a', 'clarity:f', 'drift:g']);
  });

  test('clarity lowest first, drift steepest first', () => {
    const brief = facilitationBrief(
      run({
        priorities: [
          priority('x1', 'One', { clarity: clarity(70, 100) }),
          priority('x2', 'Two', { clarity: clarity(50, 100) }),
          priority('y1', 'Three', {
            drift: { commitmentChange: -0.1, clarityChange: 0.05, flagged: true },
          }),
          priority('y2', 'Four', {
            drift: { commitmentChange: -0.3, clarityChange: 0.05, flagged: true },
          }),
        ],
      }),
    );
    expect(kinds(brief)).toEqual(['clarity:x2', 'clarity:x1', 'drift:y2', 'drift:y1']);
  });

  test('ties go to the title, then the dimension in bank order, custom items last', () => {
    const same = () => literal(4, 3, 0.01, { cliffsDelta: 0.5 });
    const brief = facilitationBrief(
      run({
        priorities: [priority('p1', 'Beta'), priority('p2', 'Alpha')],
        cells: [
          cell('p1', 'zz-custom', same()),
          cell('p1', 'ownership', same()),
          cell('p2', 'tradeoffs', same()),
          cell('p1', 'a-custom', same()),
          cell('p1', 'importance', same()),
        ],
      }),
    );
    expect(brief.findings.map((f) => `${f.priorityId}:${dimensionOf(f)}`)).toEqual([
      'p2:tradeoffs',
      'p1:importance',
      'p1:ownership',
      'p1:a-custom',
      'p1:zz-custom',
    ]);
  });

  test('the order of the input does not matter', () => {
    const forward = facilitationBrief(run({ priorities, cells }));
    const backward = facilitationBrief(
      run({ priorities: [...priorities].reverse(), cells: [...cells].reverse() }),
    );
    expect(backward).toEqual(forward);
  });
});

function dimensionOf(finding: BriefFinding): string {
  return finding.kind === 'gap' ? finding.figures.dimension : finding.kind;
}

describe('facilitationBrief: clarity and drift', () => {
  test('clarity below target comes with its interval; a whole interval below 80% says so', () => {
    const brief = facilitationBrief(
      run({
        priorities: [
          priority('p1', 'Customer Focus', {
            clarity: clarity(18, 30),
            committedClarity: { count: 12, n: 30, share: 0.4, ci95: [0.246, 0.577] },
          }),
        ],
      }),
    );
    const [finding] = brief.findings;
    expect(finding?.kind).toBe('clarity');
    expect(finding?.title).toBe('Customer Focus: clarity 60%, below the 80% target');
    expect(finding?.text).toBe(
      '60% of 30 respondents say they understand what Customer Focus asks of their team in practice, against a target of 80% (95% CI 42–75%; the whole interval is below 80%). 40% are both clear on it and committed to it (95% CI 25–58%).',
    );
    expect(finding?.figures).toMatchObject({ share: 0.6, n: 30, wholeIntervalBelowTarget: true });
    expect(brief.questions.map((q) => q.text)).toEqual([
      'How would you explain to your team what Customer Focus asks of it next week?',
      'What would a team need to hear to know what Customer Focus means for its daily work?',
    ]);
  });

  test('an interval that reaches 80% is said to reach it', () => {
    const brief = facilitationBrief(
      run({ priorities: [priority('p1', 'X', { clarity: clarity(15, 20) })] }),
    );
    expect(brief.findings[0]?.text).toContain(
      '(95% CI 53–89%; the interval reaches 80%, so the shortfall may be chance).',
    );
    expect(brief.findings[0]?.figures).toMatchObject({ wholeIntervalBelowTarget: false });
  });

  test('a share just under the target is not rounded up to it', () => {
    const brief = facilitationBrief(
      run({ priorities: [priority('p1', 'X', { clarity: clarity(199, 250) })] }),
    );
    expect(brief.findings[0]?.title).toBe('X: clarity 79.6%, below the 80% target');
  });

  test('clarity on target, or unknown, is no finding', () => {
    const brief = facilitationBrief(
      run({
        priorities: [
          priority('p1', 'X', { clarity: clarity(8, 10) }),
          priority('p2', 'Y', { clarity: null }),
        ],
      }),
    );
    expect(brief.findings).toEqual([]);
  });

  test('commitment drift only when flagged', () => {
    const flagged = commitmentDrift([
      { commitmentTop2: 0.7, clarityTop2: 0.8 },
      { commitmentTop2: 0.65, clarityTop2: 0.8 },
      { commitmentTop2: 0.55, clarityTop2: 0.82 },
    ]);
    const held = commitmentDrift([
      { commitmentTop2: 0.7, clarityTop2: 0.8 },
      { commitmentTop2: 0.65, clarityTop2: 0.8 },
    ]);
    expect(flagged?.flagged).toBe(true);
    expect(held?.flagged).toBe(false);
    const brief = facilitationBrief(
      run({
        priorities: [
          priority('p1', 'Customer Focus', { drift: flagged }),
          priority('p2', 'Cost', { drift: held }),
          priority('p3', 'Growth', { drift: null }),
        ],
      }),
    );
    expect(kinds(brief)).toEqual(['drift:p1']);
    expect(brief.findings[0]?.title).toBe('Customer Focus: frontline commitment fell 15 points');
    expect(brief.findings[0]?.text).toContain(
      'fell 15 points across the last runs while understanding of it held (a fall of 10 points or more is flagged; clarity changed by +2 points)',
    );
    expect(brief.findings[0]?.text).toContain('No 95% CI is computed for this change');
    expect(brief.questions[0]?.text).toBe(
      'What has changed since Customer Focus was announced that makes it harder to commit to?',
    );
  });
});

describe('facilitationBrief: questions', () => {
  const gapOn = (priorityId: string, dimension: string, cliffsDelta: number) =>
    cell(priorityId, dimension, literal(4, 2.5, 0.001, { cliffsDelta }));

  test('one finding gives two different questions about it', () => {
    const brief = facilitationBrief(
      run({ priorities: [priority('p1', 'Cost')], cells: [gapOn('p1', 'ownership', 0.5)] }),
    );
    expect(brief.questions).toEqual([
      {
        priorityId: 'p1',
        text: 'Who had a say in how Cost will be delivered, and who should have?',
      },
      {
        priorityId: 'p1',
        text: 'Which decision about Cost could the people doing the work make themselves?',
      },
    ]);
  });

  test('two findings give two questions, five give three, tied to the top findings', () => {
    const priorities = ['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => priority(id, `Priority ${id}`));
    const two = facilitationBrief(
      run({ priorities, cells: [gapOn('p1', 'tradeoffs', 0.9), gapOn('p2', 'importance', 0.8)] }),
    );
    expect(two.questions.map((q) => q.priorityId)).toEqual(['p1', 'p2']);
    const five = facilitationBrief(
      run({
        priorities,
        cells: [
          gapOn('p5', 'feasibility', 0.5),
          gapOn('p4', 'staffing', 0.6),
          gapOn('p3', 'commitment', 0.7),
          gapOn('p2', 'importance', 0.8),
          gapOn('p1', 'tradeoffs', 0.9),
        ],
      }),
    );
    expect(five.findings).toHaveLength(5);
    expect(five.questions.map((q) => q.priorityId)).toEqual(['p1', 'p2', 'p3']);
    expect(five.questions[0]?.text).toBe(
      'What are we willing to stop or slow down to make room for Priority p1, and who will say so?',
    );
  });

  test('the same dimension twice is asked about in two ways; custom items get a general question', () => {
    const brief = facilitationBrief(
      run({
        priorities: [priority('p1', 'One'), priority('p2', 'Two'), priority('p3', 'Three')],
        cells: [
          gapOn('p1', 'staffing', 0.9),
          gapOn('p2', 'staffing', 0.8),
          gapOn('p3', 'tooling', 0.7),
        ],
      }),
    );
    expect(brief.questions.map((q) => q.text)).toEqual([
      'What would have to stop for One to be staffed?',
      'If Two had to be delivered with the team we have today, what would slip first?',
      'What explains the difference in how leadership and the frontline see Three?',
    ]);
    expect(brief.findings[2]?.text).toContain('Leadership rates tooling for Three 4.0');
  });
});

describe('facilitationBrief: notes and input', () => {
  test('withheld cells are counted with k; an uncomputed run says so', () => {
    const one = facilitationBrief(run({ suppressedCells: 1, minGroupSize: 7, computedAt: null }));
    expect(one.computedAt).toBeNull();
    expect(one.notes).toEqual([
      "The run's figures have not been released yet.",
      'No comparison of leadership and the frontline could be shown for this run, so no gap is presented as a finding.',
      'With no finding to discuss, the brief proposes no questions for the group.',
      '1 cell was withheld to protect anonymity (fewer than k = 7 respondents).',
    ]);
    const many = facilitationBrief(run({ suppressedCells: 12 }));
    expect(many.computedAt).toBe('2025-06-30T08:00:00.000Z');
    expect(many.notes).toContain(
      '12 cells were withheld to protect anonymity (fewer than k = 5 respondents).',
    );
  });

  test('the brief is plain JSON that survives a round trip', () => {
    const brief = facilitationBrief(
      run({
        priorities: [priority('p1', 'Customer Focus', { clarity: clarity(18, 30) })],
        cells: [cell('p1', 'staffing', literal(4.3, 2.1, 0.003))],
      }),
    );
    expect(JSON.parse(JSON.stringify(brief))).toEqual(brief);
  });

  test('rejects a group size below the floor and counts that are not whole numbers', () => {
    expect(() => facilitationBrief(run({ minGroupSize: 2 }))).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_GROUP_SIZE' }),
    );
    expect(() => facilitationBrief(run({ suppressedCells: -1 }))).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_COUNT' }),
    );
    expect(() => facilitationBrief(run({ responses: 2.5 }))).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_COUNT' }),
    );
  });
});

describe('briefMarkdown', () => {
  test('headings, numbered findings, questions and notes, with the same numbers', () => {
    const brief = facilitationBrief(
      run({
        priorities: [priority('p-cf', 'Customer Focus', { clarity: clarity(18, 30) })],
        cells: [
          cell('p-cf', 'staffing', fromHistograms(LEADERSHIP_STAFFING, FRONTLINE_STAFFING, 0.003)),
        ],
        suppressedCells: 2,
      }),
    );
    const markdown = briefMarkdown(brief);
    expect(markdown).toBe(
      [
        '# Facilitation brief: Q3 alignment pulse',
        '',
        'Run run-1, 64 responses, released 2025-06-30T08:00:00.000Z.',
        '',
        '## Findings',
        '',
        `1. **Customer Focus: leadership more optimistic on staffing.** ${EXAMPLE}`,
        '2. **Customer Focus: clarity 60%, below the 80% target.** 60% of 30 respondents say they understand what Customer Focus asks of their team in practice, against a target of 80% (95% CI 42–75%; the whole interval is below 80%).',
        '',
        '## Questions for the group',
        '',
        '- What would have to stop for Customer Focus to be staffed?',
        '- How would you explain to your team what Customer Focus asks of it next week?',
        '',
        '## Notes',
        '',
        '- 2 cells were withheld to protect anonymity (fewer than k = 5 respondents).',
        '',
      ].join('\n'),
    );
    for (const finding of brief.findings) expect(markdown).toContain(finding.text);
  });

  test('a brief without findings says so', () => {
    const markdown = briefMarkdown(facilitationBrief(run()));
    expect(markdown).toContain('## Findings\n\nNo findings.\n');
    expect(markdown).toContain('## Questions for the group\n\nNone.\n');
    expect(markdown).toContain('## Notes\n');
  });

  test('decisions being relitigated get a section of their own, escaped', () => {
    const brief = facilitationBrief({
      ...run(),
      relitigated: [
        {
          decisionId: 'd1',
          title: '*Pause* it',
          priorityId: 'p1',
          settledShare: 0.4,
          previousShare: 0.8,
          reasons: ['belowFloor', 'drop'],
          sentence:
            'The decision “*Pause* it” (Growth) is being relitigated: 40% of Ops treat it as settled, down from 80% in the run before.',
          question: 'What would it take for “*Pause* it” to hold, or should it be changed openly?',
        },
      ],
    });
    expect(brief.relitigated).toHaveLength(1);
    expect(briefMarkdown(brief)).toContain(
      '## Decisions being relitigated\n\n- The decision “\\*Pause\\* it” (Growth) is being relitigated: 40% of Ops treat it as settled, down from 80% in the run before. What would it take for “\\*Pause\\* it” to hold, or should it be changed openly?\n',
    );
    // A brief written without decisions has no such section and no such member.
    expect(facilitationBrief(run()).relitigated).toBeUndefined();
    expect(briefMarkdown(facilitationBrief(run()))).not.toContain('relitigated');
  });

  test('titles cannot inject Markdown or HTML', () => {
    const markdown = briefMarkdown(
      facilitationBrief(
        run({
          pulseTitle: 'Q3 <script>alert(1)</script>\n# owned',
          priorities: [priority('p1', '*Growth* [link](x) `code`')],
          cells: [cell('p1', 'staffing', literal(4.3, 2.1, 0.003))],
        }),
      ),
    );
    expect(markdown).not.toMatch(/(?<!\\)<\/?script>/);
    expect(markdown.split('\n')[0]).toBe(
      '# Facilitation brief: Q3 \\<script>alert(1)\\</script> # owned',
    );
    expect(markdown).toContain('\\*Growth\\* \\[link\\](x) \\`code\\`');
    expect(markdown).not.toMatch(/^# owned/m);
  });
});

describe('facilitationBrief: property', () => {
  const share = fc.double({ min: 0, max: 1, noNaN: true });
  const interval = fc
    .tuple(fc.double({ min: -4, max: 4, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }))
    .map(([low, width]): ConfidenceInterval => [low, low + width]);
  const clarityArb = fc
    .tuple(fc.integer({ min: 1, max: 400 }), share)
    .map(([n, fraction]) => clarity(Math.floor(fraction * n), n));
  const qValue = fc.option(
    fc.oneof(share, fc.double({ min: 0, max: 0.1, noNaN: true }), fc.constant(0.05)),
  );
  const cellArb = fc.record({
    dimension: fc.constantFrom(...DIMENSIONS, 'custom-a', 'custom-b'),
    leadershipMean: fc.double({ min: 1, max: 5, noNaN: true }),
    frontlineMean: fc.double({ min: 1, max: 5, noNaN: true }),
    qValue,
    ci95: fc.option(interval),
    cliffsDelta: fc.double({ min: -1, max: 1, noNaN: true }),
  });
  const priorityArb = fc.record({
    title: fc.constantFrom('Alpha', 'Beta', 'Gamma', 'Beta', 'Delta'),
    statedWeight: fc.integer({ min: 1, max: 5 }),
    collision: fc.option(
      fc.record({
        score: share,
        meanGap: fc.double({ min: -4, max: 4, noNaN: true }),
        significant: fc.boolean(),
        basedOn: fc.constant(['staffing', 'feasibility'] as const),
      }),
    ),
    clarity: fc.option(clarityArb),
    committedClarity: fc.option(clarityArb),
    drift: fc.option(
      fc.record({
        commitmentChange: fc.double({ min: -1, max: 1, noNaN: true }),
        clarityChange: fc.option(fc.double({ min: -1, max: 1, noNaN: true })),
        flagged: fc.boolean(),
      }),
    ),
    cells: fc.uniqueArray(cellArb, { selector: (c) => c.dimension, maxLength: 9 }),
  });
  const inputArb = fc
    .record({
      priorities: fc.array(priorityArb, { maxLength: 8 }),
      suppressedCells: fc.nat({ max: 40 }),
      computed: fc.boolean(),
    })
    .map(({ priorities, suppressedCells, computed }): BriefInput => {
      const withIds = priorities.map((p, index) => ({ ...p, id: `p${index}` }));
      return run({
        computedAt: computed ? new Date('2025-06-30T08:00:00Z') : null,
        suppressedCells,
        priorities: withIds.map((p): BriefPriority => ({
          id: p.id,
          title: p.title,
          statedWeight: p.statedWeight,
          collision: p.collision,
          clarity: p.clarity,
          committedClarity: p.committedClarity,
          drift: p.drift,
        })),
        cells: withIds.flatMap(({ id, cells }) =>
          cells.map((c) =>
            cell(
              id,
              c.dimension,
              literal(c.leadershipMean, c.frontlineMean, c.qValue, {
                ci95: c.ci95,
                cliffsDelta: c.cliffsDelta,
              }),
            ),
          ),
        ),
      });
    });

  test('only significant gaps, at most 5 findings and 3 questions, deterministic', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const brief = facilitationBrief(input);
        expect(brief.findings.length).toBeLessThanOrEqual(BRIEF_MAX_FINDINGS);
        expect(brief.questions.length).toBeLessThanOrEqual(3);
        if (brief.findings.length > 0) expect(brief.questions.length).toBeGreaterThanOrEqual(2);
        else expect(brief.questions).toEqual([]);
        for (const finding of brief.findings) {
          if (finding.kind === 'gap') {
            expect(finding.figures.qValue).toBeLessThan(COLLISION_SIGNIFICANCE_LEVEL);
          }
          if (finding.kind === 'collision') {
            expect(finding.figures.cells.length).toBeGreaterThan(0);
            for (const c of finding.figures.cells) {
              expect(c.qValue).toBeLessThan(COLLISION_SIGNIFICANCE_LEVEL);
              expect(c.gap).toBeGreaterThan(0);
            }
          }
          if (finding.kind === 'clarity') {
            expect(finding.figures.share).toBeLessThan(0.8);
          }
          expect(finding.text).not.toMatch(/undefined|NaN|null|Infinity/);
        }
        const findingPriorities = new Set(brief.findings.map((f) => f.priorityId));
        for (const question of brief.questions) {
          expect(findingPriorities.has(question.priorityId)).toBe(true);
        }
        // Deterministic: again, and with the input in reverse order.
        const reversed = facilitationBrief({
          ...input,
          priorities: [...input.priorities].reverse(),
          cells: [...input.cells].reverse(),
        });
        expect(facilitationBrief(input)).toEqual(brief);
        expect(reversed).toEqual(brief);
        expect(briefMarkdown(reversed)).toBe(briefMarkdown(brief));
      }),
      { numRuns: 300 },
    );
  });
});
