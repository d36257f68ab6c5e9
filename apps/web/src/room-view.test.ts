import { describe, expect, test } from 'vitest';
import { parseRoom, parseRoomQuestionView, parseSession } from './room-contract.js';
import {
  codeFromPath,
  distributionBars,
  normalizeCode,
  participantsText,
  positionText,
  reconnectDelay,
  refusalOf,
  refusalText,
  retryAfterSeconds,
  revealedText,
  roomHeadline,
  textsWaitingText,
  waitingText,
  withheldText,
} from './room-view.js';

const revealed = {
  revealed: true,
  answered: 7,
  textsAnswered: 5,
  needed: 5,
  n: 5,
  distribution: [0, 1, 1, 2, 1],
  mean: 3.6,
  texts: ['Weekend deploys', 'The second on-call rota', 'Status meetings', 'Slide decks', 'x'],
  waiting: 2,
};

describe('the withheld and revealed states', () => {
  test('withheld: only the count and the threshold', () => {
    expect(withheldText({ answered: 3, needed: 5 })).toBe('3 answered · results appear at 5');
    expect(withheldText({ answered: 0, needed: 12 })).toBe('0 answered · results appear at 12');
  });

  test('revealed: the answers and the mean as the dashboard formats means', () => {
    expect(revealedText({ n: 5, mean: 3.6 })).toBe('5 answers · mean 3.60');
    expect(revealedText({ n: 1, mean: 4 })).toBe('1 answer · mean 4.00');
  });

  test('answers after the snapshot are said to wait for the threshold; none, nothing', () => {
    expect(waitingText({ waiting: 2, needed: 5 })).toBe(
      '2 answers not shown yet: the figures update once 5 new answers have arrived.',
    );
    expect(waitingText({ waiting: 0, needed: 5 })).toBeNull();
  });

  test('texts: shown once there are any; else what they wait for', () => {
    const view = parseRoomQuestionView(revealed, 'view');
    expect(view.revealed && textsWaitingText(view)).toBeNull();
    const noTexts = parseRoomQuestionView({ ...revealed, texts: [], textsAnswered: 3 }, 'view');
    expect(noTexts.revealed && textsWaitingText(noTexts)).toBe(
      'The written answers appear once 5 people have written one (3 so far).',
    );
  });

  test('the distribution as five bars with their counts and shares', () => {
    const bars = distributionBars([0, 1, 1, 2, 1]);
    expect(bars.map((bar) => [bar.value, bar.label, bar.count])).toEqual([
      [1, 'Strongly disagree', 0],
      [2, 'Disagree', 1],
      [3, 'Neutral', 1],
      [4, 'Agree', 2],
      [5, 'Strongly agree', 1],
    ]);
    expect(bars[3]?.share).toBeCloseTo(0.4);
    expect(distributionBars([0, 0, 0, 0, 0]).every((bar) => bar.share === 0)).toBe(true);
  });

  test('positions and joins', () => {
    expect(positionText(2, 3)).toBe('Finding 2 of 3');
    expect(participantsText(1)).toBe('1 phone joined');
    expect(participantsText(8)).toBe('8 phones joined');
    expect(participantsText(6, 8)).toBe('6 of 8 phones joined');
    expect(participantsText(0, 1_000)).toBe('0 of 1,000 phones joined');
  });
});

describe('the chart’s headline states what the room’s mean says', () => {
  test('closer to one tier, halfway, or without the pulse’s means', () => {
    expect(roomHeadline(2.4, 4.1, 2.2)).toBe(
      'The room’s mean is 2.40, closer to the frontline’s than to leadership’s (leadership 4.10, frontline 2.20).',
    );
    expect(roomHeadline(4, 4.1, 2.2)).toMatch(/closer to leadership’s than to the frontline’s/);
    expect(roomHeadline(3, 4, 2)).toMatch(/halfway between/);
    expect(roomHeadline(3, null, 2)).toBe('The room’s mean is 3.00.');
  });
});

describe('codes', () => {
  test('typed codes ignore case, spaces and dashes', () => {
    expect(normalizeCode(' ab-c 12 ')).toBe('ABC12');
  });

  test('the code of the page’s path', () => {
    expect(codeFromPath('/room/k7q2m')).toBe('K7Q2M');
    expect(codeFromPath('/room/K7Q2M/')).toBe('K7Q2M');
    expect(codeFromPath('/room')).toBeNull();
    expect(codeFromPath('/room/')).toBeNull();
    expect(codeFromPath('/room.html')).toBeNull();
    expect(codeFromPath('/room/%E0%A4%A')).toBeNull();
    expect(codeFromPath('/room/a/b')).toBeNull();
  });
});

describe('refusals', () => {
  test('each status the phone can meet has its message', () => {
    expect(refusalOf(404)).toBe('unknown');
    expect(refusalOf(410)).toBe('closed');
    expect(refusalOf(409)).toBe('answered');
    // A 409 on joining a room that took as many phones as it has people.
    expect(refusalOf(409, 'PG_ERR_ROOM_FULL')).toBe('full');
    expect(refusalOf(409, 'PG_ERR_ALREADY_ANSWERED')).toBe('answered');
    expect(refusalText('full')).toMatch(/room is full.*tell the facilitator/);
    expect(refusalOf(429)).toBe('busy');
    expect(refusalOf(403)).toBe('forgotten');
    expect(refusalOf(500)).toBeNull();
    expect(refusalText('answered')).toMatch(/already answered/);
    expect(refusalText('closed')).toMatch(/session has closed/);
    expect(refusalText('unknown')).toMatch(/no open room with this code/);
    expect(refusalText('busy', 30)).toMatch(/Try again in 30 seconds/);
    expect(refusalText('busy')).toMatch(/Wait a minute/);
  });

  test('Retry-After in seconds or as a date', () => {
    expect(retryAfterSeconds('42')).toBe(42);
    expect(retryAfterSeconds(null)).toBeNull();
    expect(retryAfterSeconds('soon')).toBeNull();
    const now = Date.parse('2026-12-05T12:00:00Z');
    expect(retryAfterSeconds('Sat, 05 Dec 2026 12:00:10 GMT', now)).toBe(10);
  });

  test('a dropped stream reconnects after a growing wait, at most 30 s', () => {
    expect([0, 1, 2, 3, 10].map(reconnectDelay)).toEqual([1000, 2000, 4000, 8000, 30_000]);
  });
});

describe('reading the room’s answers', () => {
  const figures = {
    leadershipMean: 4.1,
    frontlineMean: 2.2,
    gap: 1.9,
    ci95: [1.2, 2.6],
    qValue: 0.001,
    leadershipN: 12,
    frontlineN: 30,
  };

  test('a withheld view carries no distribution, mean or text, even if sent', () => {
    const view = parseRoomQuestionView(
      { revealed: false, answered: 3, textsAnswered: 2, needed: 5, mean: 4 },
      'view',
    );
    expect(view).toEqual({ revealed: false, answered: 3, textsAnswered: 2, needed: 5 });
  });

  test('a session and a room', () => {
    const question = {
      id: 'q1',
      position: 1,
      priorityId: 'p1',
      dimension: 'staffing',
      title: 'Customer Focus',
      statement: 'My team has the people it needs for this.',
      figures,
      room: revealed,
    };
    const session = parseSession({
      id: 's1',
      runId: 'r1',
      code: 'K7Q2M',
      joinPath: '/room/K7Q2M',
      threshold: 5,
      prompt: 'What would have to stop for this to be staffed?',
      closedAt: null,
      currentQuestionId: 'q1',
      participants: 8,
      questions: [question],
    });
    expect(session.questions[0]?.room).toMatchObject({ revealed: true, n: 5, waiting: 2 });
    expect(session.questions[0]?.figures.ci95).toEqual([1.2, 2.6]);
    const room = parseRoom({
      code: 'K7Q2M',
      prompt: 'p',
      threshold: 5,
      closed: false,
      participants: 8,
      current: { ...question, count: 2 },
    });
    expect(room.current?.count).toBe(2);
    expect(parseRoom({ ...room, current: null }).current).toBeNull();
  });

  test('a distribution that is not five counts is refused', () => {
    expect(() => parseRoomQuestionView({ ...revealed, distribution: [1, 2, 3] }, 'view')).toThrow(
      /view.distribution/,
    );
    expect(() => parseRoomQuestionView({ ...revealed, n: -1 }, 'view')).toThrow(/view.n/);
  });
});
