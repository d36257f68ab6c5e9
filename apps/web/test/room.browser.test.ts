import { randomUUID } from 'node:crypto';
import { deriveKey } from '@pulsegap/config';
import { DEMO_LOGINS, seedDemo } from '@pulsegap/api';
import { testConfig } from '@pulsegap/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectLayoutFits, seriousAccessibilityProblems } from './page-checks.js';
import { startTestSite, watchPageErrors, type TestSite } from './site.js';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const NARROW_PHONE = { width: 360, height: 740 };

/** The texts the first five phones write, each recognisable on the screen. */
const TEXTS = [
  'Stop the weekly status deck',
  'Drop the second on-call rota',
  'Pause the migration to the new ticket tool',
  'No meetings on Thursdays',
  'Let the night shift skip the stand-up',
];

/** What a page must not do: an uncaught exception or a console error, but those a step causes. */
function watchErrors(page: Page): string[] {
  return watchPageErrors(
    page,
    (text) =>
      // The browser logs every 4xx answer; a refusal the page expects and explains is not one.
      /status of (400|404|409|410)\b/.test(text) ||
      // The stream the test cuts off, as the browser reports it.
      text.includes('net::ERR_INCOMPLETE_CHUNKED_ENCODING'),
  );
}

interface Phone {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

// The real pages and API on a real socket, in real Chromium: an executive opens a live room
// from the demo's latest released run and eight phones, each a browser of its own, take part.
describe('the live room in Chromium', () => {
  let site: TestSite;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    site = await startTestSite();
    ({ browser, baseUrl } = site);
    await seedDemo(site.db, {
      invitationKey: deriveKey(testConfig(), 'invitation-secrets'),
      segmentKeySealing: deriveKey(testConfig(), 'segment-key-sealing'),
    });
    // The demo's runs are released by the jobs.
    await site.jobs.drain();
  }, 180_000);

  afterAll(() => site.close());

  async function newPhone(viewport = PHONE): Promise<Phone> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    return { context, page, errors: watchErrors(page) };
  }

  /** Chooses an answer and writes a text on a phone that shows the answer form. */
  async function answer(phone: Phone, value: string, text: string | null): Promise<void> {
    await phone.page.getByRole('radio', { name: value }).check();
    if (text !== null) await phone.page.getByLabel(/What would have to stop/).fill(text);
    await phone.page.getByRole('button', { name: 'Send my answer' }).click();
  }

  /** What a phone that answered shows of the room, once it says `count`. */
  function result(phone: Phone) {
    return phone.page.locator('#result');
  }

  test('phones join by code, answers stay hidden until five, then show live; the room moves on and closes', async () => {
    // The facilitator: the executive opens a session on two findings of the brief.
    const facilitator = await browser.newPage({ viewport: DESKTOP });
    const facilitatorErrors = watchErrors(facilitator);
    await facilitator.goto(`${baseUrl}/`);
    await facilitator.getByLabel('Email').fill(DEMO_LOGINS.executive);
    await facilitator.getByLabel('Password').fill(DEMO_LOGINS.password);
    await facilitator.getByRole('button', { name: /sign in/i }).click();
    await facilitator.waitForURL(/#\/dashboard/);
    await facilitator.getByRole('link', { name: 'Brief' }).click();
    await facilitator.getByRole('button', { name: 'Open a live session' }).click();
    const findings = facilitator.getByRole('group', { name: 'Findings to discuss' });
    const boxes = findings.getByRole('checkbox');
    await boxes.first().waitFor();
    expect(await boxes.count()).toBeGreaterThanOrEqual(2);
    // Too few findings is refused before anything is sent.
    await boxes.nth(0).check();
    await facilitator.getByRole('button', { name: 'Open the session' }).click();
    await facilitator.getByText('Choose 2 to 5 findings (1 chosen).').waitFor();
    await boxes.nth(1).check();
    expect(await facilitator.getByText('Choose 2 to 5 findings (1 chosen).').count()).toBe(0);
    const threshold = facilitator.getByLabel('Answers needed before anything shows');
    expect(await threshold.inputValue()).toBe('5');
    expect(await threshold.getAttribute('min')).toBe('5');
    expect(await facilitator.getByLabel('Prompt for written answers').inputValue()).toBe(
      'What would have to stop for this to be staffed?',
    );
    expect(await seriousAccessibilityProblems(facilitator)).toEqual([]);
    await facilitator.locator('.room-open').screenshot({ path: 'docs/screenshots/room-open.png' });
    await facilitator.getByRole('button', { name: 'Open the session' }).click();
    await facilitator.waitForURL(/#\/room\?session=[0-9a-f-]{36}$/);

    const code = (await facilitator.locator('#room-code').textContent()) ?? '';
    expect(code).toMatch(/^[A-Z0-9]{4,12}$/);
    const joinLink = facilitator.getByRole('link', { name: /\/room\// });
    const joinUrl = (await joinLink.getAttribute('href')) ?? '';
    expect(joinUrl).toBe(`${baseUrl}/room/${code}`);
    // The QR code encodes the same link, drawn as SVG in the page.
    const qr = facilitator.getByRole('img', { name: `QR code of the join link ${joinUrl}` });
    expect(await qr.getAttribute('data-qr-text')).toBe(joinUrl);
    expect(await qr.evaluate((svg) => svg.tagName.toLowerCase())).toBe('svg');
    expect((await qr.locator('path').getAttribute('d'))?.length).toBeGreaterThan(500);
    await facilitator.getByText('0 phones joined').waitFor();
    // Counts that change by themselves are read out to screen readers, politely.
    for (const changing of ['#room-participants', '#room-withheld']) {
      expect(await facilitator.locator(changing).getAttribute('aria-live')).toBe('polite');
    }
    const firstStatement = (await facilitator.locator('#room-finding-title').textContent()) ?? '';
    expect(firstStatement.length).toBeGreaterThan(10);
    expect(await facilitator.locator('.room-finding__where').textContent()).toMatch(
      /^Finding 1 of 2 · /,
    );

    // Eight phones: the first opens the join link (as the QR code does), the others type the
    // code at /room, in lower case.
    const phones: Phone[] = [];
    for (let i = 0; i < 8; i += 1) {
      // The last phone is a small one, 360 px wide.
      const phone = await newPhone(i === 7 ? NARROW_PHONE : PHONE);
      if (i === 0) {
        await phone.page.goto(joinUrl);
      } else {
        await phone.page.goto(`${baseUrl}/room`);
        await phone.page.getByLabel('Room code').fill(code.toLowerCase());
        await phone.page.getByRole('button', { name: 'Join' }).click();
        await phone.page.waitForURL(`${baseUrl}/room/${code}`);
      }
      await phone.page.getByRole('group', { name: firstStatement }).waitFor();
      phones.push(phone);
    }
    await facilitator.getByText('8 phones joined').waitFor();

    // The facilitator counts eight people: a ninth phone (someone joining twice to answer for
    // two) is refused, in words that tell a person left out what to do.
    const headcount = facilitator.getByLabel('People in the room');
    await headcount.fill('7');
    await facilitator.getByRole('button', { name: 'Set', exact: true }).click();
    await facilitator.getByText('is below the 8 phones that joined already').waitFor();
    await headcount.fill('8');
    await facilitator.getByRole('button', { name: 'Set', exact: true }).click();
    await facilitator.getByText('8 of 8 phones joined').waitFor();
    const extra = await newPhone();
    await extra.page.goto(joinUrl);
    await extra.page.getByText('The room is full', { exact: false }).waitFor();
    expect(await extra.page.getByRole('group', { name: firstStatement }).count()).toBe(0);
    await extra.context.close();
    await facilitator.getByText('8 of 8 phones joined').waitFor();

    // Every connection drops (a proxy restarts): the screen and the phones reconnect by
    // themselves, and what happens meanwhile reaches them.
    const reconnected = facilitator.waitForRequest((request) =>
      new URL(request.url()).pathname.endsWith('/events'),
    );
    site.dropConnections();
    await reconnected;
    // Only the participant token is kept, in this tab's sessionStorage.
    const stored = await phones[1]?.page.evaluate(() => ({
      session: Object.keys(sessionStorage),
      local: Object.keys(localStorage),
      cookies: document.cookie,
    }));
    expect(stored).toEqual({ session: [`pulsegap.room.${code}`], local: [], cookies: '' });

    const [first, second, third, fourth, fifth, sixth] = phones as [
      Phone,
      Phone,
      Phone,
      Phone,
      Phone,
      Phone,
      ...Phone[],
    ];
    expect(await seriousAccessibilityProblems(first.page)).toEqual([]);
    await first.page.screenshot({ path: 'docs/screenshots/room-phone-answer.png', fullPage: true });

    // Four answer: nothing of their answers shows anywhere, only the count.
    for (const [i, phone] of [first, second, third, fourth].entries()) {
      await answer(phone, ['1', '2', '4', '5'][i] ?? '3', TEXTS[i] ?? null);
      await phone.page.getByRole('heading', { name: 'Thank you' }).waitFor();
    }
    await facilitator.getByText('4 answered · results appear at 5').waitFor();
    for (const phone of [first, second, third, fourth]) {
      await result(phone).getByText('4 answered · results appear at 5').waitFor();
      expect(await result(phone).getAttribute('data-state')).toBe('withheld');
      expect(await phone.page.locator('.room-bars, .room-texts').count()).toBe(0);
      for (const text of TEXTS) expect(await phone.page.getByText(text).count()).toBe(0);
    }
    expect(await facilitator.locator('canvas').count()).toBe(0);
    expect(await facilitator.locator('#room-mean, #room-texts, #room-summary').count()).toBe(0);
    expect(await facilitator.locator('[data-revealed="false"]').count()).toBe(1);
    for (const text of TEXTS) expect(await facilitator.getByText(text).count()).toBe(0);
    expect(await facilitator.locator('body').textContent()).not.toMatch(/Room mean|mean \d/);
    await facilitator.screenshot({
      path: 'docs/screenshots/room-facilitator-withheld.png',
      fullPage: true,
    });
    await first.page.screenshot({
      path: 'docs/screenshots/room-phone-withheld.png',
      fullPage: true,
    });

    // The fifth answer reveals the distribution, the mean and the texts, live, everywhere.
    // By keyboard: the five answers are one radio group, arrow keys move the choice.
    await fifth.page.getByRole('radio', { name: '1' }).focus();
    for (let step = 0; step < 3; step += 1) await fifth.page.keyboard.press('ArrowDown');
    expect(await fifth.page.getByRole('radio', { name: '4' }).isChecked()).toBe(true);
    await fifth.page.keyboard.press('Tab');
    await fifth.page.keyboard.type(TEXTS[4] ?? '');
    await fifth.page.keyboard.press('Tab');
    await fifth.page.keyboard.press('Enter');
    await fifth.page.getByRole('heading', { name: 'Thank you' }).waitFor();
    const chart = facilitator.locator('canvas#room-chart[data-rendered="true"]');
    await chart.waitFor();
    expect(Number(await chart.getAttribute('data-elements'))).toBe(5);
    expect(await facilitator.locator('#room-summary').textContent()).toBe('5 answers · mean 3.20');
    expect(await facilitator.locator('#room-mean').textContent()).toBe('3.20');
    expect(await facilitator.locator('#room-chart-title').textContent()).toMatch(
      /^The room’s mean is 3\.20, /,
    );
    const table = facilitator.locator('figure:has(#room-chart) tbody tr td');
    expect(await table.allTextContents()).toEqual(['1', '1', '0', '2', '1']);
    expect((await facilitator.locator('#room-texts li').allTextContents()).sort()).toEqual(
      [...TEXTS].sort(),
    );
    for (const phone of [first, second, third, fourth, fifth]) {
      await result(phone).getByText('5 answers · mean 3.20').waitFor();
      expect(await result(phone).getAttribute('data-state')).toBe('revealed');
      expect(await phone.page.locator('.room-bars__count').allTextContents()).toEqual([
        '1',
        '1',
        '0',
        '2',
        '1',
      ]);
      expect((await phone.page.locator('.room-texts li').allTextContents()).sort()).toEqual(
        [...TEXTS].sort(),
      );
    }
    // A phone that has not answered sees the question, not the room's answers.
    expect(await sixth.page.locator('.room-bars').count()).toBe(0);
    expect(await seriousAccessibilityProblems(facilitator)).toEqual([]);
    expect(await seriousAccessibilityProblems(first.page)).toEqual([]);
    await expectLayoutFits(facilitator, 'the revealed room at desktop width', DESKTOP.width);
    await expectLayoutFits(first.page, 'the revealed room on a phone', PHONE.width);
    await facilitator.screenshot({
      path: 'docs/screenshots/room-facilitator-revealed.png',
      fullPage: true,
    });
    await first.page.screenshot({
      path: 'docs/screenshots/room-phone-revealed.png',
      fullPage: true,
    });

    // A phone answering the same finding again (after a reload forgets it did) is refused.
    await first.page.reload();
    await first.page.getByRole('group', { name: firstStatement }).waitFor();
    await answer(first, '5', null);
    await first.page
      .getByRole('alert')
      .getByText('You have already answered this finding.', { exact: false })
      .waitFor();
    await facilitator.getByText('5 answers · mean 3.20').waitFor();

    // The facilitator moves on: every phone follows to the second finding.
    await facilitator.getByRole('button', { name: 'Next finding' }).click();
    await facilitator.locator('.room-finding__where', { hasText: 'Finding 2 of 2' }).waitFor();
    const secondStatement = (await facilitator.locator('#room-finding-title').textContent()) ?? '';
    expect(secondStatement).not.toBe(firstStatement);
    await facilitator.getByText('0 answered · results appear at 5').waitFor();
    expect(await facilitator.locator('canvas').count()).toBe(0);
    for (const phone of phones) {
      await phone.page.getByRole('group', { name: secondStatement }).waitFor();
      expect(await phone.page.locator('#position').textContent()).toBe('Finding 2 of 2');
    }
    expect(await facilitator.getByRole('button', { name: 'Next finding' }).isDisabled()).toBe(true);
    const small = phones[7];
    if (small !== undefined) {
      await expectLayoutFits(small.page, 'the answer form at 360 px', NARROW_PHONE.width);
      expect(await seriousAccessibilityProblems(small.page)).toEqual([]);
    }

    // What the room decided is recorded on the same screen: it starts at the finding's
    // priority and names the session, and joins the organization's decision log.
    const decided = facilitator.getByRole('region', { name: 'Decisions of this session' });
    await decided.getByText('None recorded yet.').waitFor();
    const priority = decided.getByLabel('Priority');
    const shownPriority = await priority.evaluate(
      (select) => (select as HTMLSelectElement).selectedOptions[0]?.textContent ?? '',
    );
    expect(secondStatement).toContain(shownPriority);
    await decided.getByLabel('Owning team').selectOption({ label: 'Customer Operations' });
    await decided.getByLabel('Decision', { exact: true }).fill('Pause the loyalty revamp');
    await decided
      .getByLabel(/Tradeoff/)
      .fill('The loyalty programme revamp waits until the next quarter');
    await decided.getByLabel('Review on').fill('2027-03-01');
    await decided.getByRole('button', { name: 'Record decision' }).click();
    await decided
      .getByRole('list', { name: 'Decisions of this session' })
      .getByText('Pause the loyalty revamp')
      .waitFor();
    const sessionId = await facilitator.locator('[data-session]').getAttribute('data-session');
    const log = await facilitator.evaluate(async () => {
      const response = await fetch('/api/v1/decisions', {
        headers: { authorization: `Bearer ${sessionStorage.getItem('pulsegap.token') ?? ''}` },
      });
      return (await response.json()) as { items: { title: string; sessionId: string | null }[] };
    });
    expect(log.items.find((d) => d.title === 'Pause the loyalty revamp')?.sessionId).toBe(
      sessionId,
    );
    expect(await seriousAccessibilityProblems(facilitator)).toEqual([]);

    // Closing asks first; then every phone says the session is closed.
    await facilitator.getByRole('button', { name: 'Close session' }).click();
    const focused = () => facilitator.evaluate(() => document.activeElement?.textContent);
    await expect.poll(focused).toBe('Keep it open');
    await facilitator.keyboard.press('Enter');
    await expect.poll(focused).toBe('Close session');
    expect(await facilitator.locator('[data-closed="false"]').count()).toBe(1);
    await facilitator.getByRole('button', { name: 'Close session' }).click();
    await facilitator.getByRole('button', { name: 'Yes, close the session' }).click();
    await facilitator
      .getByText('The session is closed: phones can no longer join or answer.')
      .waitFor();
    for (const phone of phones) {
      await phone.page.getByRole('heading', { name: 'This session has closed' }).waitFor();
      // The token is forgotten with the session.
      expect(await phone.page.evaluate(() => sessionStorage.length)).toBe(0);
    }
    // Joining a closed room is refused with the same words.
    const late = await newPhone(NARROW_PHONE);
    await late.page.goto(`${baseUrl}/room`);
    await late.page.getByLabel('Room code').fill(code);
    await late.page.getByRole('button', { name: 'Join' }).click();
    await late.page.getByText('There is no open room with this code', { exact: false }).waitFor();
    await expectLayoutFits(late.page, 'the join form at 360 px', NARROW_PHONE.width);

    // A session that is not there (or not this organization's) says so instead of waiting.
    await facilitator.goto(`${baseUrl}/#/room?session=${randomUUID()}`);
    await facilitator.getByRole('alert').waitFor();
    expect(await facilitator.locator('#room-code').count()).toBe(0);

    expect(facilitatorErrors).toEqual([]);
    for (const phone of [...phones, late]) expect(phone.errors).toEqual([]);
    for (const phone of [...phones, late]) await phone.context.close();
    await facilitator.close();
  }, 240_000);

  test('an unknown code says so; a code in the path that is unknown leaves the form to retype it', async () => {
    const phone = await newPhone(NARROW_PHONE);
    await phone.page.goto(`${baseUrl}/room/NOSUCH`);
    await phone.page.getByRole('alert').getByText('There is no open room with this code').waitFor();
    expect(await phone.page.getByLabel('Room code').inputValue()).toBe('NOSUCH');
    await phone.page.getByLabel('Room code').fill('');
    await phone.page.getByRole('button', { name: 'Join' }).click();
    await phone.page.getByRole('alert').getByText('Type the code shown on the screen.').waitFor();
    expect(await seriousAccessibilityProblems(phone.page)).toEqual([]);
    await expectLayoutFits(
      phone.page,
      'the join form with a message at 360 px',
      NARROW_PHONE.width,
    );
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });
});
