import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Browser, Page, ViewportSize } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  expectLayoutFits,
  focusStop,
  moveFocus,
  noteUnfocusedLooks,
  regionsAndGroups,
  type FocusStop,
} from './page-checks.js';
import { startTestSite, type TestSite } from './site.js';

interface RunParticipation {
  id: string;
  participation: { invited: number; tokensCollected: number; responses: number };
}

/** What `GET /invite/:secret` answers (PRODUCT.md §7), as far as these tests read it. */
interface InviteBody {
  runId: string;
  closesAt: string;
  segment: { team: string | null; tier: string };
  group: { size: number; minGroupSize: number; commentMinGroupSize: number };
  tokenCollected: boolean;
  questions: { id: string; priorityId: string; text: string }[];
  priorities: { id: string; title: string }[];
  openQuestion: boolean;
  keyId: string;
  publicKey: string;
  fingerprint: string;
  [field: string]: unknown;
}

interface PublishedKeys {
  items: { keyId: string; segment: Record<string, unknown>; fingerprint: string }[];
}

const PHONE: ViewportSize = { width: 375, height: 812 };
/** The narrowest phone screen the page is made for. */
const NARROW: ViewportSize = { width: 320, height: 568 };
const OPEN_QUESTION = 'What makes this hard that nobody is saying out loud?';
const SCALE = ['Strongly disagree', 'Disagree', 'Neutral', 'Agree', 'Strongly agree'];
/** WCAG 2.5.5's target size, in CSS pixels. */
const MIN_TARGET = 44;

const MAIN_PULSE = 'Quarterly alignment pulse';
const PULSE_WITHOUT_COMMENT = 'Staffing check-in';

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// The employee's side, for real: an admin starts a run of a pulse, the invitation
// e-mails land in the development outbox, and an employee follows one link on a phone,
// answers, and gets a receipt. The token is made by blind signature in Chromium's WebCrypto
// and verified by the API; nothing is mocked, except where a test says it alters an answer.
describe('the answer page in Chromium', () => {
  let site: TestSite;
  let browser: Browser;
  let baseUrl: string;
  let adminToken: string;
  let pulseId: string;
  let runId: string;
  /** Unused personal links, per pulse title: each test that answers takes its own. */
  const links = new Map<string, string[]>();

  async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${adminToken}`,
        ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    expect(response.ok, `${init.method ?? 'GET'} ${path}: HTTP ${response.status}`).toBe(true);
    return (await response.json()) as T;
  }

  /** A personal link of the pulse nobody has used yet. */
  function freshLink(pulseTitle = MAIN_PULSE): string {
    const secret = links.get(pulseTitle)?.shift();
    if (secret === undefined) throw new Error(`no unused link of ${pulseTitle} left`);
    return secret;
  }

  interface OpenOptions {
    viewport?: ViewportSize;
    /** A touch screen, for `tap()`. */
    touch?: boolean;
    /** Collects every request to another host. */
    thirdParty?: string[];
    /** Runs before the page loads, to watch or alter its requests. */
    prepare?: (page: Page) => Promise<void>;
  }

  /** Opens the answer page of a link (on a phone-sized screen unless told otherwise). */
  async function openLink(secret: string, options: OpenOptions = {}): Promise<Page> {
    const page = await browser.newPage({
      viewport: options.viewport ?? PHONE,
      hasTouch: options.touch ?? false,
    });
    // A step that cannot happen fails with its own message, well inside the test's time.
    page.setDefaultTimeout(10_000);
    const thirdParty = options.thirdParty;
    page.on('request', (request) => {
      if (!request.url().startsWith(baseUrl)) thirdParty?.push(request.url());
    });
    await options.prepare?.(page);
    await page.goto(`${baseUrl}/answer/${secret}`);
    await page.locator('#status:empty').waitFor({ state: 'attached', timeout: 20_000 });
    return page;
  }

  /** What the page asked of the employee routes that collect a token or send answers. */
  interface Submission {
    /** Token requests made. */
    token: number;
    /** The bodies of `POST /responses`, in order. */
    responses: unknown[];
    /** The HTTP statuses `POST /responses` answered, in order. */
    answered: number[];
  }

  /** Records the page's calls of the employee routes that collect a token or send answers. */
  function watchSubmission(page: Page): Submission {
    const seen: Submission = { token: 0, responses: [], answered: [] };
    page.on('request', (request) => {
      if (request.method() !== 'POST') return;
      const path = new URL(request.url()).pathname;
      if (path.endsWith('/token')) seen.token += 1;
      if (path === '/api/v1/responses') seen.responses.push(request.postDataJSON());
    });
    page.on('response', (response) => {
      const request = response.request();
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/v1/responses') {
        seen.answered.push(response.status());
      }
    });
    return seen;
  }

  /** The names of the entries the answer page keeps in the browser's `localStorage`. */
  function keptEntries(page: Page): Promise<{ name: string; value: string }[]> {
    return page.evaluate(() =>
      Object.keys(localStorage)
        .filter((name) => name.startsWith('pulsegap.answer.'))
        .map((name) => ({ name, value: localStorage.getItem(name) ?? '' })),
    );
  }

  /** What the employee route answers for a link, read here as the page reads it. */
  async function invite(secret: string): Promise<InviteBody> {
    const response = await fetch(`${baseUrl}/api/v1/invite/${secret}`);
    expect(response.status, `GET /invite: HTTP ${response.status}`).toBe(200);
    return (await response.json()) as InviteBody;
  }

  async function participation(): Promise<RunParticipation['participation']> {
    const runs = await api<{ items: RunParticipation[] }>(`/pulses/${pulseId}/runs`);
    const run = runs.items.find((r) => r.id === runId);
    if (run === undefined) throw new Error(`run ${runId} is not listed`);
    return run.participation;
  }

  beforeAll(async () => {
    site = await startTestSite();
    ({ browser, baseUrl } = site);

    // An organization of its own, so other tests' data never mixes with this run.
    const signup = await fetch(`${baseUrl}/api/v1/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        organization: 'Answer page test',
        email: `hr-${randomUUID()}@answer.test`,
        password: 'correct horse battery',
      }),
    });
    adminToken = ((await signup.json()) as { token: string }).token;
    await api('/people/import', {
      method: 'POST',
      body: {
        people: Array.from({ length: 20 }, (_, i) => ({
          email: `p${i}@answer.test`,
          name: `Person ${i}`,
          team: 'Support',
          parentTeam: 'Customer Operations',
          tier: i < 10 ? 'leadership' : 'frontline',
        })),
      },
    });
    const priorities = await Promise.all(
      ['Customer Focus', 'Platform Modernization'].map((title) =>
        api<{ id: string }>('/priorities', { method: 'POST', body: { title, statedWeight: 4 } }),
      ),
    );
    pulseId = (
      await api<{ id: string }>('/pulses', {
        method: 'POST',
        body: { title: MAIN_PULSE, priorityIds: priorities.map((p) => p.id) },
      })
    ).id;
    runId = (await api<{ id: string }>(`/pulses/${pulseId}/runs`, { method: 'POST', body: {} })).id;
    // A second pulse without the open question, on fewer dimensions.
    const shortPulseId = (
      await api<{ id: string }>('/pulses', {
        method: 'POST',
        body: {
          title: PULSE_WITHOUT_COMMENT,
          priorityIds: priorities.map((p) => p.id),
          dimensions: ['staffing', 'feasibility'],
          openQuestion: false,
        },
      })
    ).id;
    await api(`/pulses/${shortPulseId}/runs`, { method: 'POST', body: {} });
    await site.jobs.drain();
    const outbox = await api<{ items: { subject: string; link: string | null }[] }>('/dev/outbox');
    // The secret is the link's last path segment (PRODUCT.md §7); the host is this server's.
    for (const title of [MAIN_PULSE, PULSE_WITHOUT_COMMENT]) {
      links.set(
        title,
        outbox.items.flatMap(({ subject, link }) =>
          link === null || !subject.startsWith(`${title}:`)
            ? []
            : [new URL(link).pathname.split('/').at(-1) ?? ''],
        ),
      );
    }
  }, 180_000);

  afterAll(() => site.close());

  test('an employee follows the link, answers on a phone and gets a receipt', async () => {
    const before = await participation();
    const secret = freshLink();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const thirdParty: string[] = [];
    let sent: Submission = { token: 0, responses: [], answered: [] };
    const page = await openLink(secret, {
      thirdParty,
      prepare: (page) => {
        sent = watchSubmission(page);
        return Promise.resolve();
      },
    });

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(MAIN_PULSE);
    expect(await page.locator('.segment').innerText()).toMatch(
      /^Your answers count for Support \((leadership|frontline)\), a group of 10 people\.$/,
    );
    // The fingerprint the browser computed is one the run publishes.
    const keys = await api<PublishedKeys>(`/runs/${runId}/keys`);
    const shown = (await page.locator('#fingerprint').textContent())?.replaceAll(' ', '');
    expect(keys.items.map((k) => k.fingerprint)).toContain(shown);

    const questions = page.locator('fieldset.question');
    const total = await questions.count();
    expect(total).toBeGreaterThan(5);
    for (let i = 0; i < 5; i += 1) {
      await questions
        .nth(i)
        .getByRole('radio')
        .nth(i % 5)
        .check();
    }
    expect(await page.locator('#progress-text').textContent()).toBe(`5 of ${total} answered`);
    await page
      .getByLabel(OPEN_QUESTION)
      .fill('We are asked to open a new market with the team that already runs support.');
    // The top of the page: the explanation, the segment, the key and the first answers.
    await page.mouse.move(0, 0);
    await page.evaluate(() => {
      window.scrollTo(0, 0);
    });
    await page.screenshot({
      path: 'docs/screenshots/answer-phone.png',
      fullPage: true,
      clip: { x: 0, y: 0, width: 375, height: 1400 },
    });

    await page.getByRole('button', { name: 'Send my answers' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 20_000 })
      .toContain('your answers were recorded anonymously');
    expect(await page.locator('#answer-form').isVisible()).toBe(false);
    expect(await page.locator('#receipt-fingerprint').textContent()).toBe(
      await page.locator('#fingerprint').textContent(),
    );
    await page.screenshot({ path: 'docs/screenshots/answer-receipt-phone.png' });
    expect(thirdParty).toEqual([]);

    // One token, one response, accepted.
    expect(sent.token).toBe(1);
    expect(sent.answered).toEqual([201]);
    const after = await participation();
    expect(after.tokensCollected).toBe(before.tokensCollected + 1);

    // The same link again: it cannot answer twice.
    await page.reload();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('This link was already used to answer.');
    await page.close();
  });

  test('a link that is not an invitation says so, without a form', async () => {
    const page = await openLink('A'.repeat(43));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'This link does not work',
    );
    expect(await page.locator('#answer-form').isVisible()).toBe(false);
    await page.close();
  });

  describe('at 320 px wide', () => {
    test('nothing scrolls sideways, sticks out or overlaps, from the form to the receipt', async () => {
      const thirdParty: string[] = [];
      const page = await openLink(freshLink(), { viewport: NARROW, thirdParty });
      await expectLayoutFits(page, 'before answering', NARROW.width);
      await page.locator('#survey summary').click();
      await expectLayoutFits(page, 'with the key check open', NARROW.width);

      await page.getByRole('button', { name: 'Send my answers' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('Answer at least');
      await expectLayoutFits(page, 'with the alert for no answers', NARROW.width);

      const groups = page.locator('#questions').getByRole('group');
      const total = await groups.count();
      for (let i = 0; i < total; i += 1) {
        await groups
          .nth(i)
          .getByRole('radio')
          .nth(i % 5)
          .check();
      }
      // A long unbroken word, as pasted links are, must wrap inside the box.
      await page
        .getByRole('textbox', { name: OPEN_QUESTION })
        .fill(`Nobody says that ${'x'.repeat(120)} and the handover list are not staffed.`);
      expect(await page.locator('#progress-text').textContent()).toBe(
        `${total} of ${total} answered`,
      );
      await expectLayoutFits(page, 'after answering every question', NARROW.width);
      await page.mouse.move(0, 0);
      await page.screenshot({
        path: 'docs/screenshots/answer-320.png',
        fullPage: true,
        clip: { x: 0, y: 0, width: NARROW.width, height: 1400 },
      });

      await page.getByRole('button', { name: 'Send my answers' }).click();
      await page
        .getByRole('heading', { level: 1, name: /recorded anonymously/ })
        .waitFor({ timeout: 20_000 });
      await expectLayoutFits(page, 'on the receipt', NARROW.width);
      expect(thirdParty).toEqual([]);
      await page.close();
    });

    test('every answer and the send button are tap targets of at least 44 × 44 px', async () => {
      const page = await openLink(freshLink(), { viewport: NARROW, touch: true });
      const radios = page.getByRole('radio');
      expect(await radios.count()).toBeGreaterThan(5);
      // A radio's tap target is its whole label: a tap anywhere on it chooses the radio.
      const targets = await radios.evaluateAll((inputs) =>
        inputs.map((input) => {
          const box = input.closest('label')?.getBoundingClientRect();
          return {
            radio: `${(input as HTMLInputElement).name}=${(input as HTMLInputElement).value}`,
            width: box?.width ?? 0,
            height: box?.height ?? 0,
          };
        }),
      );
      for (const { radio, width, height } of targets) {
        expect(width, `width of the label of ${radio}`).toBeGreaterThanOrEqual(MIN_TARGET);
        expect(height, `height of the label of ${radio}`).toBeGreaterThanOrEqual(MIN_TARGET);
      }

      // A tap near a label's corner counts: the whole box answers, not just its text.
      const first = page.locator('#questions').getByRole('group').first();
      const agreeName = { name: '4 Agree', exact: true };
      const agree = first.getByRole('radio', agreeName);
      await first
        .locator('label')
        .filter({ has: page.getByRole('radio', agreeName) })
        .tap({ position: { x: 3, y: 3 } });
      expect(await agree.isChecked()).toBe(true);
      const clear = first.getByRole('button', { name: 'Clear answer' });
      const clearBox = await clear.boundingBox();
      expect(clearBox?.width).toBeGreaterThanOrEqual(MIN_TARGET);
      expect(clearBox?.height).toBeGreaterThanOrEqual(MIN_TARGET);
      await clear.tap();
      expect(await agree.isChecked()).toBe(false);

      const keyCheck = await page.locator('#survey summary').boundingBox();
      expect(keyCheck?.height).toBeGreaterThanOrEqual(MIN_TARGET);
      const send = await page.getByRole('button', { name: 'Send my answers' }).boundingBox();
      expect(send?.width).toBeGreaterThanOrEqual(MIN_TARGET);
      expect(send?.height).toBeGreaterThanOrEqual(MIN_TARGET);
      const comment = await page.getByRole('textbox', { name: OPEN_QUESTION }).boundingBox();
      expect(comment?.height).toBeGreaterThanOrEqual(MIN_TARGET);
      await page.close();
    });
  });

  test('with the keyboard alone an employee answers everything, sends, and sees the focus', async () => {
    const secret = freshLink();
    const invitation = await invite(secret);
    const page = await openLink(secret, { viewport: { width: 1024, height: 700 } });
    const sent = watchSubmission(page);
    const total = invitation.questions.length;
    await noteUnfocusedLooks(page);

    // The skip link first, then straight into the page's content.
    const skip = await moveFocus(page, () => true);
    expect(skip.text).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect((await focusStop(page)).element).toBe('<main#main>');

    const isRadioOf = (index: number) => (stop: FocusStop) => stop.name === `q${index}`;
    /** Answers question `index` with `value`: Space picks the first point, arrows move on. */
    async function answer(index: number, value: number): Promise<void> {
      const stop = await moveFocus(page, isRadioOf(index));
      if (!stop.checked) await page.keyboard.press('Space');
      const now = Number((await focusStop(page)).value);
      for (let step = now; step < value; step += 1) {
        await page.keyboard.press(step % 2 === 0 ? 'ArrowRight' : 'ArrowDown');
      }
      const answered = await focusStop(page);
      expect([answered.name, answered.value, answered.checked]).toEqual([
        `q${index}`,
        String(value),
        true,
      ]);
    }

    const values = invitation.questions.map((_, i) => 1 + ((i * 2) % 5));
    await answer(0, values[0] ?? 1);
    await answer(1, values[1] ?? 1);
    // Back to the first question: its "Clear answer" button takes the answer back, then the
    // arrow keys choose again (left from the first point wraps round to the last).
    const clear = await moveFocus(page, (stop) => stop.text === 'Clear answer', 'Shift+Tab');
    expect(clear.describedBy).toBe('q0-text');
    await page.keyboard.press('Enter');
    const cleared = await focusStop(page);
    expect([cleared.name, cleared.value, cleared.checked]).toEqual(['q0', '1', false]);
    expect(await page.locator('#progress-text').textContent()).toBe(`1 of ${total} answered`);
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowLeft');
    values[0] = 5;
    expect((await focusStop(page)).value).toBe('5');
    for (let i = 1; i < total; i += 1) await answer(i, values[i] ?? 1);
    expect(await page.locator('#progress-text').textContent()).toBe(
      `${total} of ${total} answered`,
    );

    const comment = 'Support is staffed for today, not for the new market.';
    await moveFocus(page, (stop) => stop.element === '<textarea#comment>');
    await page.keyboard.type(comment);
    // All the way back up and down again: every stop shows its focus, clear of the sticky bar.
    await moveFocus(page, (stop) => stop.name === 'q0', 'Shift+Tab', 3 * total);
    await moveFocus(page, (stop) => stop.element === '<button#submit>', 'Tab', 3 * total);
    await page.keyboard.press('Enter');

    // The receipt takes the focus, so a screen reader reads it out at once.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.id), { timeout: 20_000 })
      .toBe('receipt-title');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(
      'your answers were recorded anonymously',
    );
    expect(sent.token).toBe(1);
    expect(sent.responses).toEqual([
      expect.objectContaining({
        answers: invitation.questions.map((q, i) => ({ questionId: q.id, value: values[i] })),
        comment,
      }),
    ]);
    expect(sent.answered).toEqual([201]);
    await page.close();
  });

  test('a screen reader finds named groups, labelled answers, the progress and the receipt', async () => {
    const secret = freshLink();
    const invitation = await invite(secret);
    const page = await openLink(secret);
    const total = invitation.questions.length;

    for (const question of invitation.questions) {
      // A native fieldset whose legend is the statement: the group is named by it.
      const group = page.getByRole('group', { name: question.text, exact: true });
      expect(await group.count(), question.text).toBe(1);
      expect(
        await group.evaluate((element) => [
          element.tagName,
          element.querySelector(':scope > legend')?.textContent,
        ]),
      ).toEqual(['FIELDSET', question.text]);
      expect(await group.getByRole('radio').count()).toBe(SCALE.length);
      for (const [index, label] of SCALE.entries()) {
        const name = `${index + 1} ${label}`;
        expect(await group.getByRole('radio', { name, exact: true }).count(), name).toBe(1);
      }
    }

    // The progress is a named progress bar, its value the number answered.
    const progressbar = page.getByRole('progressbar', { name: 'Questions answered' });
    async function progressNode(): Promise<{ value: unknown; max: unknown }> {
      const cdp = await page.context().newCDPSession(page);
      const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
        nodes: {
          role?: { value: string };
          value?: { value: unknown };
          properties?: { name: string; value: { value: unknown } }[];
        }[];
      };
      await cdp.detach();
      const node = nodes.find((n) => n.role?.value === 'progressbar');
      return {
        value: node?.value?.value,
        max: node?.properties?.find((p) => p.name === 'valuemax')?.value.value,
      };
    }
    expect(await progressbar.count()).toBe(1);
    expect(await progressNode()).toEqual({ value: 0, max: total });
    for (let i = 0; i < 3; i += 1) {
      await page
        .locator('#questions')
        .getByRole('group')
        .nth(i)
        .getByRole('radio', { name: '3 Neutral' })
        .check();
    }
    expect(await progressNode()).toEqual({ value: 3, max: total });
    expect(await progressbar.getAttribute('aria-valuetext')).toBe(`3 of ${total} answered`);

    // The open question is a labelled text box; the send button is named.
    expect(await page.getByRole('textbox', { name: OPEN_QUESTION, exact: true }).count()).toBe(1);
    await page.getByRole('button', { name: 'Send my answers' }).click();

    // The receipt is a region named by its heading, and the focus moves to that heading.
    const receipt = page.getByRole('region', { name: /your answers were recorded anonymously/ });
    await receipt.waitFor({ timeout: 20_000 });
    await expect
      .poll(() =>
        receipt
          .getByRole('heading', { level: 1 })
          .evaluate((heading) => heading === document.activeElement),
      )
      .toBe(true);
    // The key's fingerprint is there for whoever opens the disclosure.
    expect(await receipt.ariaSnapshot()).not.toMatch(/Key fingerprint/);
    await receipt.getByText('Check it yourself').click();
    expect(await receipt.ariaSnapshot()).toMatch(/Key fingerprint \(SHA-256\)/);
    await page.close();
  });

  describe('the token and the draft', () => {
    /** Chooses `value` (1–5) for question `index` by its label, as a person taps it. */
    async function choose(page: Page, index: number, value: number): Promise<void> {
      await page
        .locator('#questions')
        .getByRole('group')
        .nth(index)
        .getByRole('radio', { name: `${value} ${SCALE[value - 1] ?? ''}`, exact: true })
        .check();
    }

    /** The token the page keeps for its link, once kept (null until then). */
    async function keptToken(page: Page): Promise<unknown> {
      const [entry] = await keptEntries(page);
      return entry === undefined ? null : (JSON.parse(entry.value) as { token: unknown }).token;
    }

    async function send(page: Page): Promise<void> {
      await page.getByRole('button', { name: 'Send my answers' }).click();
      await page
        .getByRole('heading', { level: 1, name: /recorded anonymously/ })
        .waitFor({ timeout: 20_000 });
    }

    test('is collected when answering starts, in the background, not when the answers are sent', async () => {
      const secret = freshLink();
      let sent: Submission = { token: 0, responses: [], answered: [] };
      const page = await openLink(secret, {
        prepare: (page) => {
          sent = watchSubmission(page);
          return Promise.resolve();
        },
      });
      // Reading the page asks for nothing.
      await page.waitForTimeout(500);
      expect(sent.token).toBe(0);
      expect(await keptEntries(page)).toEqual([]);

      await choose(page, 0, 4);
      await expect.poll(() => sent.token).toBe(1);
      await expect.poll(() => keptToken(page)).not.toBeNull();
      expect((await invite(secret)).tokenCollected).toBe(true);
      expect(sent.responses).toEqual([]);
      // Kept under the run and a hash of the secret, never the secret itself.
      const [entry] = await keptEntries(page);
      expect(entry?.name).toMatch(new RegExp(`^pulsegap\\.answer\\.${runId}\\.[0-9a-f]{32}$`));
      expect(entry?.name).not.toContain(secret);
      expect(entry?.value).not.toContain(secret);
      expect(await page.getByRole('alert').count()).toBe(0);

      await choose(page, 1, 2);
      await send(page);
      expect(sent.token).toBe(1);
      expect(sent.answered).toEqual([201]);
      // Sent: the browser keeps neither the token nor the draft.
      expect(await keptEntries(page)).toEqual([]);
      await page.close();
    });

    test('a reload mid-answer restores the answers and the comment, and sends with the kept token', async () => {
      const secret = freshLink();
      const invitation = await invite(secret);
      let sent: Submission = { token: 0, responses: [], answered: [] };
      const page = await openLink(secret, {
        prepare: (page) => {
          sent = watchSubmission(page);
          return Promise.resolve();
        },
      });
      const total = invitation.questions.length;
      const chosen = new Map([
        [0, 2],
        [1, 5],
        [3, 1],
      ]);
      for (const [index, value] of chosen) await choose(page, index, value);
      const comment = 'Half of the team is on the migration until March.';
      await page.getByRole('textbox', { name: OPEN_QUESTION }).fill(comment);
      await expect.poll(() => keptToken(page)).not.toBeNull();

      await page.reload();
      await page.locator('#status:empty').waitFor({ state: 'attached', timeout: 20_000 });
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(MAIN_PULSE);
      for (let index = 0; index < total; index += 1) {
        const checked = await page
          .locator('#questions')
          .getByRole('group')
          .nth(index)
          .getByRole('radio')
          .evaluateAll((radios) =>
            radios.flatMap((radio) =>
              (radio as HTMLInputElement).checked
                ? [Number((radio as HTMLInputElement).value)]
                : [],
            ),
          );
        expect(checked, `question ${index}`).toEqual(chosen.has(index) ? [chosen.get(index)] : []);
      }
      expect(await page.getByRole('textbox', { name: OPEN_QUESTION }).inputValue()).toBe(comment);
      expect(await page.locator('#progress-text').textContent()).toBe(`3 of ${total} answered`);

      // Another browser, without the kept token: the link has given its token.
      const elsewhere = await openLink(secret);
      expect(await elsewhere.getByRole('heading', { level: 1 }).textContent()).toBe(
        'This link was already used to answer.',
      );
      expect(await elsewhere.getByRole('radio').count()).toBe(0);
      await elsewhere.close();

      await send(page);
      expect(sent.token).toBe(1);
      expect(sent.answered).toEqual([201]);
      expect(sent.responses).toEqual([
        expect.objectContaining({
          answers: [...chosen].map(([index, value]) => ({
            questionId: invitation.questions[index]?.id,
            value,
          })),
          comment,
        }),
      ]);
      expect(await keptEntries(page)).toEqual([]);
      await page.close();
    });

    test('Send waits for a token on its way instead of asking for a second one', async () => {
      const secret = freshLink();
      let sent: Submission = { token: 0, responses: [], answered: [] };
      const page = await openLink(secret, {
        prepare: async (page) => {
          sent = watchSubmission(page);
          await page.route(`${baseUrl}/api/v1/invite/${secret}/token`, async (route) => {
            await new Promise((resolve) => setTimeout(resolve, 1_500));
            await route.continue();
          });
        },
      });
      await choose(page, 2, 3);
      await expect.poll(() => sent.token).toBe(1);
      await send(page);
      expect(sent.token).toBe(1);
      expect(sent.answered).toEqual([201]);
      await page.close();
    });

    test('a failure to collect it is said at once, and Send tries again', async () => {
      const secret = freshLink();
      let sent: Submission = { token: 0, responses: [], answered: [] };
      let refused = 0;
      const page = await openLink(secret, {
        prepare: async (page) => {
          sent = watchSubmission(page);
          // The network fails the first time the page asks.
          await page.route(`${baseUrl}/api/v1/invite/${secret}/token`, async (route) => {
            if (refused === 0) {
              refused += 1;
              await route.abort('internetdisconnected');
            } else {
              await route.continue();
            }
          });
        },
      });
      await choose(page, 0, 5);
      const alert = page.getByRole('alert');
      await expect.poll(() => alert.textContent()).toContain('could not be collected');
      expect(await alert.textContent()).toContain('tries again when you send');
      expect((await invite(secret)).tokenCollected).toBe(false);
      expect(await keptToken(page)).toBeNull();
      await expectLayoutFits(page, 'with the token alert', PHONE.width);

      await send(page);
      expect(sent.token).toBe(2);
      expect(sent.answered).toEqual([201]);
      await page.close();
    });

    test('a token whose answer was lost is asked for again with the same blinded message, and given', async () => {
      const secret = freshLink();
      let sent: Submission = { token: 0, responses: [], answered: [] };
      const asked: string[] = [];
      const page = await openLink(secret, {
        prepare: async (page) => {
          sent = watchSubmission(page);
          // The first request reaches the server, which claims the token and signs; its
          // answer is lost on the way back.
          await page.route(`${baseUrl}/api/v1/invite/${secret}/token`, async (route) => {
            asked.push(
              (JSON.parse(route.request().postData() ?? '{}') as { blindedMessage: string })
                .blindedMessage,
            );
            if (asked.length === 1) {
              const response = await route.fetch();
              expect(response.status()).toBe(200);
              await route.abort('connectionreset');
            } else {
              await route.continue();
            }
          });
        },
      });
      await choose(page, 0, 3);
      const alert = page.getByRole('alert');
      await expect.poll(() => alert.textContent()).toContain('could not be collected');
      // The server gave the link's token; the page kept what it asked with.
      expect((await invite(secret)).tokenCollected).toBe(true);
      expect(await keptToken(page)).toBeNull();

      await send(page);
      expect(asked).toHaveLength(2);
      expect(asked[1]).toBe(asked[0]);
      expect(sent.answered).toEqual([201]);
      expect(await keptEntries(page)).toEqual([]);
      await page.close();
    });
  });

  describe('what the page shows', () => {
    /** The invitation's questions as the page should group them: one group per priority. */
    function expectedGroups(invitation: InviteBody): { region: string; groups: string[] }[] {
      const titles = new Map(invitation.priorities.map((p) => [p.id, p.title]));
      const groups = new Map<string, string[]>();
      for (const question of invitation.questions) {
        groups.set(question.priorityId, [
          ...(groups.get(question.priorityId) ?? []),
          question.text,
        ]);
      }
      return [...groups].map(([priorityId, texts]) => ({
        region: titles.get(priorityId) ?? '',
        groups: texts,
      }));
    }

    test('one heading per priority with its questions, the open question, the anonymity', async () => {
      const secret = freshLink();
      const invitation = await invite(secret);
      const page = await openLink(secret);
      const expected = expectedGroups(invitation);
      expect(expected.map((g) => g.region)).toEqual(['Customer Focus', 'Platform Modernization']);

      expect(regionsAndGroups(await page.locator('#questions').ariaSnapshot())).toEqual(expected);
      for (const { region } of expected) {
        const section = page.getByRole('region', { name: region, exact: true });
        expect(await section.getByRole('heading', { level: 2 }).textContent()).toBe(region);
      }

      expect(invitation.openQuestion).toBe(true);
      expect(
        await page.getByRole('textbox', { name: OPEN_QUESTION, exact: true }).isVisible(),
      ).toBe(true);

      // In plain words: the group and its size, the thresholds, when results appear, who sees
      // what, and how the token keeps answers apart from the person.
      const { group, segment } = invitation;
      expect(group).toEqual({ size: 10, minGroupSize: 5, commentMinGroupSize: 10 });
      const closes = await page.evaluate(
        (iso) =>
          new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(
            new Date(iso),
          ),
        invitation.closesAt,
      );
      const anonymity = page.getByRole('region', { name: 'How your anonymity is protected' });
      const said = (await anonymity.innerText()).replace(/\s+/g, ' ');
      for (const sentence of [
        `Your answers count for ${segment.team ?? ''} (${segment.tier}), a group of ${group.size} people.`,
        `Results appear only after the pulse closes on ${closes}, never while it is open.`,
        `Results are only ever shown for groups of at least ${group.minGroupSize} people; comments only for groups of at least ${group.commentMinGroupSize}.`,
        `HR and executives see only combined figures of groups of at least ${group.minGroupSize}, never an individual’s answers.`,
        'Your browser gets a one-time token that our server signs without seeing it, so nobody, including HR, can tell which answers were yours.',
      ]) {
        expect(said).toContain(sentence);
      }
      expect(said).not.toMatch(/fewer than/);
      expect(await page.locator('#comment-hint').textContent()).toContain(
        `Comments are shown only for groups of at least ${group.commentMinGroupSize} people`,
      );
      await page.close();
    });

    test('a pulse without the open question shows no text box for it', async () => {
      const secret = freshLink(PULSE_WITHOUT_COMMENT);
      const invitation = await invite(secret);
      const page = await openLink(secret);
      expect(invitation.openQuestion).toBe(false);
      expect(regionsAndGroups(await page.locator('#questions').ariaSnapshot())).toEqual(
        expectedGroups(invitation),
      );
      expect(await page.locator('#questions').getByRole('group').count()).toBe(4);
      expect(await page.getByRole('textbox').count()).toBe(0);
      expect(await page.locator('body').innerText()).not.toContain(OPEN_QUESTION);
      await page.close();
    });
  });

  describe('the key fingerprint', () => {
    test('is worked out in the browser from the key it uses, and is the published one', async () => {
      const secret = freshLink();
      const invitation = await invite(secret);
      const page = await openLink(secret);
      const derived = sha256Hex(Buffer.from(invitation.publicKey, 'base64url'));
      const keys = await api<PublishedKeys>(`/runs/${runId}/keys`);
      expect(keys.items.find((k) => k.keyId === invitation.keyId)?.fingerprint).toBe(derived);
      expect((await page.locator('#fingerprint').textContent())?.replaceAll(' ', '')).toBe(derived);

      // Folded away until asked for: a closed disclosure, opened by the keyboard too.
      const anonymity = page.getByRole('region', { name: 'How your anonymity is protected' });
      const disclosure = anonymity.locator('details');
      const keysLink = anonymity.getByRole('link');
      expect(await disclosure.evaluate((details) => (details as HTMLDetailsElement).open)).toBe(
        false,
      );
      expect(await page.locator('#fingerprint').isVisible()).toBe(false);
      expect(await keysLink.count()).toBe(0);
      const summary = disclosure.locator('summary');
      expect(await summary.textContent()).toBe('Check it yourself');
      await summary.focus();
      await page.keyboard.press('Enter');
      expect(await disclosure.evaluate((details) => (details as HTMLDetailsElement).open)).toBe(
        true,
      );
      expect(await page.locator('#fingerprint').isVisible()).toBe(true);
      expect(await keysLink.getAttribute('href')).toBe(`/api/v1/runs/${invitation.runId}/keys`);
      await page.close();
    });

    const forged = (() => {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const der = publicKey.export({ type: 'spki', format: 'der' });
      return { publicKey: der.toString('base64url'), fingerprint: sha256Hex(der) };
    })();

    /** How a server could hand one person a key of their own, and what the page must say. */
    const tampering: {
      name: string;
      invite?: (body: InviteBody) => InviteBody;
      keys?: (body: PublishedKeys, keyId: string) => PublishedKeys;
      message: RegExp;
    }[] = [
      {
        name: 'a fingerprint that is not the key’s',
        invite: (body) => ({ ...body, fingerprint: 'ab'.repeat(32) }),
        message: /does not match its published fingerprint/,
      },
      {
        name: 'another key, with its own fingerprint, that the run does not publish',
        invite: (body) => ({ ...body, ...forged }),
        message: /not the one this pulse publishes for your group/,
      },
      {
        name: 'a second published key for the same group',
        keys: (body, keyId) => ({
          items: body.items.flatMap((key) =>
            key.keyId === keyId
              ? [key, { ...key, keyId: randomUUID(), fingerprint: forged.fingerprint }]
              : [key],
          ),
        }),
        message: /more than one key for your group/,
      },
    ];

    test.each(tampering)('refuses $name, before any token is asked for', async (tamper) => {
      const secret = freshLink();
      const honest = await invite(secret);
      let seen: Submission = { token: 0, responses: [], answered: [] };
      const page = await openLink(secret, {
        prepare: async (page) => {
          seen = watchSubmission(page);
          const { invite: alterInvite, keys: alterKeys } = tamper;
          if (alterInvite !== undefined) {
            await page.route(`${baseUrl}/api/v1/invite/${secret}`, async (route) => {
              const response = await route.fetch();
              const json = alterInvite((await response.json()) as InviteBody);
              await route.fulfill({ response, json });
            });
          }
          if (alterKeys !== undefined) {
            await page.route(`${baseUrl}/api/v1/runs/${honest.runId}/keys`, async (route) => {
              const response = await route.fetch();
              const json = alterKeys((await response.json()) as PublishedKeys, honest.keyId);
              await route.fulfill({ response, json });
            });
          }
        },
      });

      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'This pulse cannot be answered safely',
      );
      expect(await page.locator('#notice-text').textContent()).toMatch(tamper.message);
      // Nothing to answer or send with, and nothing was asked for with the key.
      expect(await page.getByRole('radio').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Send my answers' }).count()).toBe(0);
      expect(await page.locator('#fingerprint').textContent()).toBe('');
      expect(seen).toEqual({ token: 0, responses: [], answered: [] });
      expect((await invite(secret)).tokenCollected).toBe(false);
      await page.close();
    });
  });
});
