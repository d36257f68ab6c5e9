import {
  array,
  boolean,
  id,
  items,
  number,
  optionalId,
  optionalString,
  record,
  string,
  type Json,
} from '../fields.js';
import { ContractError } from '../http.js';
import type { Interval, SuppressionReason } from './contract.js';

/*
 * The decision log (`GET /decisions`) as the dashboard reads it, checked at the boundary.
 */

/** A run's share of one follow-up item: shown with its interval, or withheld with no number. */
export type DurabilityPoint =
  | {
      runId: string;
      withheld: false;
      count: number;
      n: number;
      share: number;
      ci95: Interval;
      change: number | null;
      flagged: boolean;
      reasons: string[];
    }
  | { runId: string; withheld: true };

export interface DurabilityRun {
  runId: string;
  closedAt: string;
  settled: DurabilityPoint;
  stopped: DurabilityPoint;
  withheldReason: SuppressionReason | null;
}

export interface Decision {
  id: string;
  title: string;
  priorityId: string;
  priorityTitle: string;
  teamId: string;
  teamName: string;
  tradeoff: string;
  /** `YYYY-MM-DD`. */
  reviewOn: string;
  status: 'open' | 'retired';
  sessionId: string | null;
  createdAt: string;
  durability: {
    runs: DurabilityRun[];
    relitigated: boolean;
    reasons: string[];
  };
  /** Whom of the owning team a run would ask the follow-up items (today's roster). */
  reach: 'all' | 'some' | 'none';
}

const REASONS: readonly string[] = ['small', 'complementary', 'merged'];

function interval(value: unknown, where: string): Interval {
  const pair = array(value, where);
  if (pair.length !== 2) throw new ContractError(where);
  return [number(pair[0], `${where}[0]`), number(pair[1], `${where}[1]`)];
}

function strings(value: unknown, where: string): string[] {
  return array(value, where).map((x, i) => string(x, `${where}[${i}]`));
}

function point(value: unknown, where: string): DurabilityPoint {
  const p = record(value, where);
  const runId = id(p.runId, `${where}.runId`);
  if (boolean(p.withheld, `${where}.withheld`)) return { runId, withheld: true };
  return {
    runId,
    withheld: false,
    count: number(p.count, `${where}.count`),
    n: number(p.n, `${where}.n`),
    share: number(p.share, `${where}.share`),
    ci95: interval(p.ci95, `${where}.ci95`),
    change: p.change === null ? null : number(p.change, `${where}.change`),
    flagged: boolean(p.flagged, `${where}.flagged`),
    reasons: strings(p.reasons, `${where}.reasons`),
  };
}

function run(value: unknown, where: string): DurabilityRun {
  const r = record(value, where);
  const reason = optionalString(r.withheldReason, `${where}.withheldReason`);
  if (reason !== null && !REASONS.includes(reason)) throw new ContractError(where);
  return {
    runId: id(r.runId, `${where}.runId`),
    closedAt: string(r.closedAt, `${where}.closedAt`),
    settled: point(r.settled, `${where}.settled`),
    stopped: point(r.stopped, `${where}.stopped`),
    withheldReason: reason as SuppressionReason | null,
  };
}

function reach(value: unknown, where: string): Decision['reach'] {
  if (value === undefined) return 'all';
  const level = string(value, where);
  if (level !== 'all' && level !== 'some' && level !== 'none') throw new ContractError(where);
  return level;
}

function decision(value: unknown, where: string): Decision {
  const d: Json = record(value, where);
  const status = string(d.status, `${where}.status`);
  if (status !== 'open' && status !== 'retired') throw new ContractError(`${where}.status`);
  const durability = record(d.durability, `${where}.durability`);
  return {
    id: id(d.id, `${where}.id`),
    title: string(d.title, `${where}.title`),
    priorityId: id(d.priorityId, `${where}.priorityId`),
    priorityTitle: string(d.priorityTitle, `${where}.priorityTitle`),
    teamId: id(d.teamId, `${where}.teamId`),
    teamName: string(d.teamName, `${where}.teamName`),
    tradeoff: string(d.tradeoff, `${where}.tradeoff`),
    reviewOn: string(d.reviewOn, `${where}.reviewOn`),
    status,
    sessionId: optionalId(d.sessionId, `${where}.sessionId`),
    createdAt: string(d.createdAt, `${where}.createdAt`),
    durability: {
      runs: array(durability.runs, `${where}.durability.runs`).map((r, i) =>
        run(r, `${where}.durability.runs[${i}]`),
      ),
      relitigated: boolean(durability.relitigated, `${where}.durability.relitigated`),
      reasons: strings(durability.reasons, `${where}.durability.reasons`),
    },
    reach: reach(d.reach, `${where}.reach`),
  };
}

/** `GET /decisions`. */
export function parseDecisions(body: unknown): Decision[] {
  return items(body, 'decisions').map((value, i) => decision(value, `decisions.items[${i}]`));
}

/** `PATCH /decisions/:id`. */
export function parseDecision(body: unknown): Decision {
  return decision(body, 'decision');
}
