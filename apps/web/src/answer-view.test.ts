import { describe, expect, it } from 'vitest';
import {
  characterCountText,
  commentHint,
  formatFingerprint,
  groupByPriority,
  groupSizeSentence,
  peopleText,
  progressText,
  receiptCommentSentence,
  resultsWhenSentence,
  secretFromPath,
  segmentText,
  smallGroupSentence,
  thresholdsSentence,
  whoSeesSentence,
} from './answer-view.js';
import { ContractError } from './http.js';
import { parseInvitation } from './invitation.js';

const body = {
  runId: 'run-1',
  title: 'Q3 pulse',
  closesAt: '2025-07-04T10:00:00.000Z',
  questions: [
    { id: 'q1', priorityId: 'b', dimension: 'clarity', text: 'I understand what EU asks.' },
    { id: 'q2', priorityId: 'a', dimension: 'clarity', text: 'I understand what Support asks.' },
    { id: 'q3', priorityId: 'b', dimension: 'staffing', text: 'My team is staffed for EU.' },
  ],
  openQuestion: true,
  segment: { teamId: 't1', team: 'Support', tier: 'frontline' },
  group: { size: 12, minGroupSize: 5, commentMinGroupSize: 10 },
  keyId: 'k1',
  publicKey: 'AAAA',
  fingerprint: 'AB'.repeat(32),
  tokenCollected: false,
};

describe('parseInvitation', () => {
  it('reads the invitation and fills what the API may leave out', () => {
    const invitation = parseInvitation(body);
    expect(invitation.segment).toEqual({ teamId: 't1', team: 'Support', tier: 'frontline' });
    expect(invitation.fingerprint).toBe('ab'.repeat(32));
    expect(invitation.openQuestionText).toBeNull();
    expect(invitation.priorities).toEqual([]);
    expect(invitation.group).toEqual({ size: 12, minGroupSize: 5, commentMinGroupSize: 10 });
    expect(parseInvitation({ ...body, tokenCollected: undefined }).tokenCollected).toBe(false);
  });

  it('names the field it cannot read', () => {
    expect(() => parseInvitation({ ...body, segment: { team: null, tier: 'boss' } })).toThrow(
      new ContractError('invite.segment.tier'),
    );
    expect(() => parseInvitation({ ...body, questions: [{ id: 'q1' }] })).toThrow(ContractError);
    expect(() => parseInvitation({ ...body, group: undefined })).toThrow(
      new ContractError('invite.group'),
    );
    expect(() => parseInvitation({ ...body, group: { ...body.group, size: 2.5 } })).toThrow(
      new ContractError('invite.group.size'),
    );
    expect(() =>
      parseInvitation({ ...body, group: { ...body.group, commentMinGroupSize: '10' } }),
    ).toThrow(new ContractError('invite.group.commentMinGroupSize'));
  });
});

describe('groupByPriority', () => {
  it('puts the follow-up items of decisions last, under "Decisions"', () => {
    const groups = groupByPriority(
      parseInvitation({
        ...body,
        questions: [
          { ...body.questions[0], kind: 'bank' },
          { id: 'd1', priorityId: 'b', dimension: 'settled', kind: 'settled', text: 'Settled.' },
          { id: 'd2', priorityId: 'b', dimension: 'stopped', kind: 'stopped', text: 'Stopped.' },
          { ...body.questions[1], kind: 'bank' },
        ],
      }),
    );
    expect(groups.map((g) => [g.title, g.questions.map((q) => q.index)])).toEqual([
      ['Priority 1', [0]],
      ['Priority 2', [3]],
      ['Decisions', [1, 2]],
    ]);
  });

  it('keeps the order priorities first appear in and titles them from the API', () => {
    const groups = groupByPriority(
      parseInvitation({
        ...body,
        priorities: [
          { id: 'a', title: 'Support' },
          { id: 'b', title: 'EU expansion' },
        ],
      }),
    );
    expect(groups.map((g) => [g.title, g.questions.map((q) => [q.index, q.question.id])])).toEqual([
      [
        'EU expansion',
        [
          [0, 'q1'],
          [2, 'q3'],
        ],
      ],
      ['Support', [[1, 'q2']]],
    ]);
  });

  it('numbers the priorities when the API sends no titles', () => {
    expect(groupByPriority(parseInvitation(body)).map((g) => g.title)).toEqual([
      'Priority 1',
      'Priority 2',
    ]);
  });
});

describe('sentences', () => {
  const group = { size: 12, minGroupSize: 5, commentMinGroupSize: 10 };

  it('says what the page shows', () => {
    expect(progressText(7, 28)).toBe('7 of 28 answered');
    expect(segmentText({ team: null, tier: 'leadership' })).toBe(
      'the whole organization (leadership)',
    );
    expect(segmentText({ team: 'Support', tier: 'frontline' })).toBe('Support (frontline)');
    expect(groupSizeSentence(5)).toContain('at least 5 people');
    expect(formatFingerprint('ABCDEF0123456789')).toBe('abcd ef01 2345 6789');
    expect(characterCountText(1234)).toBe('1,234 of 2,000 characters');
  });

  it('counts people in words', () => {
    expect(peopleText(1)).toBe('1 person');
    expect(peopleText(12)).toBe('12 people');
    expect(peopleText(1500)).toBe('1,500 people');
  });

  it('says when results appear, and for which groups', () => {
    expect(resultsWhenSentence('4 Jul 2025, 12:00')).toBe(
      'Results appear only after the pulse closes on 4 Jul 2025, 12:00, never while it is open.',
    );
    expect(thresholdsSentence(group)).toBe(
      'Results are only ever shown for groups of at least 5 people; comments only for groups of at least 10.',
    );
    expect(whoSeesSentence(group)).toBe(
      'HR and executives see only combined figures of groups of at least 5, never an individual’s answers.',
    );
    expect(commentHint(group)).toContain('groups of at least 10 people');
    expect(receiptCommentSentence(group)).toContain('groups of at least 10 people');
  });

  it('says so only of a group under the minimum group size', () => {
    expect(smallGroupSentence(group)).toBe('');
    expect(smallGroupSentence({ ...group, size: 5 })).toBe('');
    expect(smallGroupSentence({ ...group, size: 2 })).toMatch(
      /^That is fewer than 5, so no figures are shown for this group alone/,
    );
  });
});

describe('secretFromPath', () => {
  it('reads the last path segment of a personal link', () => {
    expect(secretFromPath('/answer/abc_DEF-123')).toBe('abc_DEF-123');
    expect(secretFromPath('/answer/abc/')).toBe('abc');
    expect(secretFromPath('/answer/a%20b')).toBe('a b');
  });

  it('finds no secret on the bare page', () => {
    expect(secretFromPath('/answer.html')).toBeNull();
    expect(secretFromPath('/answer/')).toBeNull();
    expect(secretFromPath('/answer/%E0%A4%A')).toBeNull();
  });
});
