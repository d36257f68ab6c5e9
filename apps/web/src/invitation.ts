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
} from './fields.js';
import { ContractError } from './http.js';

/*
 * What the employee routes (PRODUCT.md §7: `GET /invite/:secret`, `POST /invite/:secret/token`,
 * `GET /runs/:id/keys`) answer, with parsers that check it at the boundary.
 */

export type Tier = 'leadership' | 'frontline';

/** The team and tier a response counts for; `team` null is the whole organization's tier. */
export interface Segment {
  /** The team's id, as the run's published keys name it; null for the whole organization. */
  teamId: string | null;
  team: string | null;
  tier: Tier;
}

/** One statement of the pulse, answered on the 1–5 scale. */
export interface Question {
  id: string;
  priorityId: string;
  dimension: string;
  text: string;
  /** `bank`, or what else the run asks, e.g. a decision's follow-up (`settled`, `stopped`). */
  kind: string;
}

/**
 * The group a response counts for: how many people the run invited in the segment, and the
 * run's thresholds (the minimum group size k for figures, and the larger one for comments).
 */
export interface Group {
  size: number;
  minGroupSize: number;
  commentMinGroupSize: number;
}

export interface PriorityTitle {
  id: string;
  title: string;
}

/** What an employee's personal link opens: the run's questions and the segment's key. */
export interface Invitation {
  runId: string;
  title: string;
  closesAt: string;
  questions: Question[];
  openQuestion: boolean;
  /** The open question's wording; null: the product's own. */
  openQuestionText: string | null;
  segment: Segment;
  group: Group;
  keyId: string;
  /** The segment's RSA public key, SPKI DER, base64url. */
  publicKey: string;
  /** Hex SHA-256 of the key's DER bytes, as the server published it; null when not sent. */
  fingerprint: string | null;
  tokenCollected: boolean;
  /** Titles of the priorities asked about, when the API sends them. */
  priorities: PriorityTitle[];
}

function tier(value: unknown, where: string): Tier {
  if (value === 'leadership' || value === 'frontline') return value;
  throw new ContractError(where);
}

function parseQuestion(value: unknown, where: string): Question {
  const question = record(value, where);
  return {
    id: id(question.id, `${where}.id`),
    priorityId: id(question.priorityId, `${where}.priorityId`),
    dimension: string(question.dimension, `${where}.dimension`),
    text: string(question.text, `${where}.text`),
    // An API that does not say asks only the question bank.
    kind: question.kind === undefined ? 'bank' : string(question.kind, `${where}.kind`),
  };
}

function parsePriorityTitle(value: unknown, where: string): PriorityTitle {
  const priority = record(value, where);
  return { id: id(priority.id, `${where}.id`), title: string(priority.title, `${where}.title`) };
}

/** A count of people: a whole number, at least `least`. */
function count(value: unknown, where: string, least: number): number {
  const n = number(value, where);
  if (!Number.isInteger(n) || n < least) throw new ContractError(where);
  return n;
}

function parseGroup(value: unknown): Group {
  const group = record(value, 'invite.group');
  return {
    size: count(group.size, 'invite.group.size', 0),
    minGroupSize: count(group.minGroupSize, 'invite.group.minGroupSize', 1),
    commentMinGroupSize: count(group.commentMinGroupSize, 'invite.group.commentMinGroupSize', 1),
  };
}

export function parseInvitation(body: unknown): Invitation {
  const invite = record(body, 'invite');
  const segment = record(invite.segment, 'invite.segment');
  const team = optionalString(segment.team, 'invite.segment.team');
  const fingerprint = optionalString(invite.fingerprint, 'invite.fingerprint');
  const openQuestionText = optionalString(invite.openQuestionText, 'invite.openQuestionText');
  return {
    runId: id(invite.runId, 'invite.runId'),
    title: string(invite.title, 'invite.title'),
    closesAt: string(invite.closesAt, 'invite.closesAt'),
    questions: array(invite.questions, 'invite.questions').map((question, index) =>
      parseQuestion(question, `invite.questions[${index}]`),
    ),
    openQuestion: boolean(invite.openQuestion, 'invite.openQuestion'),
    openQuestionText: openQuestionText === '' ? null : openQuestionText,
    segment: {
      teamId: optionalId(segment.teamId, 'invite.segment.teamId'),
      team: team === '' ? null : team,
      tier: tier(segment.tier, 'invite.segment.tier'),
    },
    group: parseGroup(invite.group),
    keyId: id(invite.keyId, 'invite.keyId'),
    publicKey: string(invite.publicKey, 'invite.publicKey'),
    fingerprint: fingerprint === null ? null : fingerprint.toLowerCase(),
    // An API that does not say yet is answered by the token route's 409 instead.
    tokenCollected:
      invite.tokenCollected === undefined
        ? false
        : boolean(invite.tokenCollected, 'invite.tokenCollected'),
    priorities: array(invite.priorities ?? [], 'invite.priorities').map((priority, index) =>
      parsePriorityTitle(priority, `invite.priorities[${index}]`),
    ),
  };
}

/** The answer of `POST /invite/:secret/token`: the blind signature, base64url. */
export function parseBlindSignature(body: unknown): string {
  return string(record(body, 'token').blindSignature, 'token.blindSignature');
}

/** One segment key of a run as `GET /runs/:id/keys` publishes it for everyone to compare. */
export interface PublishedKey {
  keyId: string;
  /** Ids only: the list is public. */
  segment: { teamId: string | null; tier: Tier };
  /** Hex SHA-256 of the key's DER bytes, lower case. */
  fingerprint: string;
}

export function parsePublishedKeys(body: unknown): PublishedKey[] {
  return items(body, 'keys').map((value, index) => {
    const where = `keys.items[${index}]`;
    const key = record(value, where);
    const segment = record(key.segment, `${where}.segment`);
    return {
      keyId: id(key.keyId, `${where}.keyId`),
      segment: {
        teamId: optionalId(segment.teamId, `${where}.segment.teamId`),
        tier: tier(segment.tier, `${where}.segment.tier`),
      },
      fingerprint: string(key.fingerprint, `${where}.fingerprint`).toLowerCase(),
    };
  });
}
