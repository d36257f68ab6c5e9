import { RELITIGATION_DROP, RELITIGATION_FLOOR } from '@pulsegap/domain';
import type { SuppressionReason } from './contract.js';
import type { Decision, DurabilityPoint } from './decisions-contract.js';
import { formatInterval, formatShare } from './numbers.js';

/*
 * What the Decisions view shows of a decision, worked out without touching the page: whether
 * its review is overdue, its durability per run as the table reads it, and why it is flagged.
 */

/** Today as `YYYY-MM-DD` in the reader's own calendar. */
export function today(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** An open decision whose review date has passed. */
export function isOverdue(decision: Pick<Decision, 'reviewOn' | 'status'>, on: string): boolean {
  return decision.status === 'open' && decision.reviewOn < on;
}

const WITHHELD: Record<SuppressionReason, string> = {
  small: 'withheld: fewer than k',
  complementary: 'withheld: would reveal a smaller group',
  merged: 'withheld: team counted with a larger group',
};

/** A point as the table reads it: the share and interval, or why it is withheld, no number. */
export function pointText(point: DurabilityPoint, reason: SuppressionReason | null): string {
  if (point.withheld) return WITHHELD[reason ?? 'small'];
  return `${formatShare(point.share)} (${formatInterval(point.ci95, formatShare)}, n = ${point.n})`;
}

/**
 * Who the follow-up items miss, in a sentence; empty when they reach everyone in the owning
 * team. People whose group is under the minimum group size are counted with a group beyond
 * the team, so their answers could not be kept as the team's: they are not asked.
 */
export function reachText(decision: Pick<Decision, 'reach' | 'teamName'>): string {
  const team = `${decision.teamName} and the teams under it`;
  switch (decision.reach) {
    case 'all':
      return '';
    case 'some':
      return `Its follow-up items would not reach everyone in ${team}: some are in groups smaller than the minimum group size, counted beyond the team.`;
    case 'none':
      return `No one in ${team} would be asked its follow-up items: their groups are smaller than the minimum group size and are counted beyond the team.`;
  }
}

/** Why a decision is flagged as relitigated, in a sentence; empty when it is not. */
export function relitigationText(decision: Pick<Decision, 'durability'>): string {
  if (!decision.durability.relitigated) return '';
  const reasons = decision.durability.reasons;
  const parts: string[] = [];
  if (reasons.includes('belowFloor')) {
    parts.push(`fewer than ${formatShare(RELITIGATION_FLOOR)} of the team treat it as settled`);
  }
  if (reasons.includes('drop')) {
    parts.push(
      `its settled share fell ${Math.round(RELITIGATION_DROP * 100)} points or more since the previous run`,
    );
  }
  return parts.length === 0 ? 'Relitigated' : `Relitigated: ${parts.join('; ')}.`;
}

/** The run labels of a decision's durability, oldest first: "Follow-up 1 (Jan 5)". */
export function runLabels(decision: Pick<Decision, 'durability'>): string[] {
  return decision.durability.runs.map((run, i) => {
    const date = new Date(run.closedAt);
    const day = Number.isNaN(date.getTime())
      ? run.closedAt
      : date.toLocaleDateString('en', { day: 'numeric', month: 'short' });
    return `Follow-up ${i + 1} (${day})`;
  });
}
