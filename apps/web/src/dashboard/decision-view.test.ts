import { describe, expect, it } from 'vitest';
import { isOverdue, pointText, reachText, relitigationText, today } from './decision-view.js';

describe('decision view', () => {
  it('flags an open decision past its review date, never a retired one', () => {
    expect(isOverdue({ reviewOn: '2027-01-14', status: 'open' }, '2027-01-15')).toBe(true);
    expect(isOverdue({ reviewOn: '2027-01-15', status: 'open' }, '2027-01-15')).toBe(false);
    expect(isOverdue({ reviewOn: '2027-01-14', status: 'retired' }, '2027-01-15')).toBe(false);
    expect(today(new Date(2027, 0, 5, 23, 30))).toBe('2027-01-05');
  });

  it('a withheld point says why and carries no number', () => {
    const withheld = { runId: 'r', withheld: true as const };
    expect(pointText(withheld, 'small')).toBe('withheld: fewer than k');
    expect(pointText(withheld, 'complementary')).not.toMatch(/\d/);
    expect(
      pointText(
        {
          runId: 'r',
          withheld: false,
          count: 9,
          n: 10,
          share: 0.9,
          ci95: [0.6, 0.98],
          change: null,
          flagged: false,
          reasons: [],
        },
        null,
      ),
    ).toBe('90% (60% to 98%, n = 10)');
  });

  it('says why a decision is relitigated', () => {
    const durability = (reasons: string[]) => ({
      durability: { runs: [], relitigated: reasons.length > 0, reasons },
    });
    expect(relitigationText(durability([]))).toBe('');
    expect(relitigationText(durability(['drop']))).toMatch(/fell 15 points/);
    expect(relitigationText(durability(['belowFloor', 'drop']))).toMatch(/60%.*15 points/);
  });
});

describe('reachText', () => {
  it('is silent when everyone is asked and says who is missed otherwise', () => {
    const of = (reach: 'all' | 'some' | 'none') => reachText({ teamName: 'Operations', reach });
    expect(of('all')).toBe('');
    expect(of('some')).toBe(
      'Its follow-up items would not reach everyone in Operations and the teams under it: some are in groups smaller than the minimum group size, counted beyond the team.',
    );
    expect(of('none')).toMatch(/^No one in Operations and the teams under it would be asked/);
  });
});
