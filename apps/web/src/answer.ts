import { AnonymityError } from '@pulsegap/anonymity/client';
import { DraftStore } from './answer-draft.js';
import {
  characterCountText,
  COMMENT_MAX_LENGTH,
  commentHint,
  formatFingerprint,
  groupByPriority,
  groupSizeSentence,
  OPEN_QUESTION,
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
import { formatDateTime } from './format.js';
import { ContractError, ProblemError, describeFailure, requestJson } from './http.js';
import { parseInvitation, parsePublishedKeys, type Invitation } from './invitation.js';
import { answerName, renderQuestionGroups } from './question-groups.js';
import { checkedFingerprint, KeyMismatchError } from './segment-key.js';
import {
  ResponseSubmission,
  type Answer,
  type SubmitOutcome,
  type TokenRefusal,
} from './submit-response.js';

// The employee's answer page, opened from a personal link `/answer/<secret>`. It never signs
// anyone in: the secret in the path is the only thing it sends that names the link.

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing from the page`);
  return element;
}

const page = {
  status: byId('status', HTMLParagraphElement),
  notice: byId('notice', HTMLElement),
  noticeTitle: byId('notice-title', HTMLHeadingElement),
  noticeText: byId('notice-text', HTMLParagraphElement),
  survey: byId('survey', HTMLDivElement),
  title: byId('pulse-title', HTMLHeadingElement),
  closesAt: byId('closes-at', HTMLTimeElement),
  segment: byId('segment', HTMLElement),
  groupSize: byId('group-size', HTMLElement),
  groupSmall: byId('group-small', HTMLSpanElement),
  resultsWhen: byId('results-when', HTMLLIElement),
  thresholds: byId('thresholds', HTMLLIElement),
  whoSees: byId('who-sees', HTMLLIElement),
  fingerprint: byId('fingerprint', HTMLElement),
  keysLink: byId('keys-link', HTMLAnchorElement),
  form: byId('answer-form', HTMLFormElement),
  tokenAlert: byId('token-alert', HTMLDivElement),
  draftNote: byId('draft-note', HTMLParagraphElement),
  progressText: byId('progress-text', HTMLSpanElement),
  progress: byId('progress', HTMLProgressElement),
  questions: byId('questions', HTMLDivElement),
  openQuestion: byId('open-question', HTMLDivElement),
  commentLabel: byId('comment-label', HTMLLabelElement),
  commentHint: byId('comment-hint', HTMLParagraphElement),
  comment: byId('comment', HTMLTextAreaElement),
  commentCount: byId('comment-count', HTMLParagraphElement),
  alert: byId('alert', HTMLDivElement),
  submit: byId('submit', HTMLButtonElement),
  submitStatus: byId('submit-status', HTMLParagraphElement),
  receipt: byId('receipt', HTMLElement),
  receiptTitle: byId('receipt-title', HTMLHeadingElement),
  receiptNext: byId('receipt-next', HTMLParagraphElement),
  receiptComment: byId('receipt-comment', HTMLParagraphElement),
  receiptSegment: byId('receipt-segment', HTMLElement),
  receiptFingerprint: byId('receipt-fingerprint', HTMLElement),
};

/** The friendly full-page messages, for links that cannot (or can no longer) take answers. */
const NOTICES = {
  'no-secret': {
    title: 'This page needs your personal link',
    text: 'Open the whole link from your invitation e-mail; it ends with a long code.',
  },
  'unknown-link': {
    title: 'This link does not work',
    text: 'Check that you opened the whole link from your invitation e-mail. If it still does not work, ask your HR team for a new invitation.',
  },
  closed: {
    title: 'This pulse has closed',
    text: 'Answers can no longer be sent for it. When your organization runs the next pulse, you will get a new link.',
  },
  'link-used': {
    title: 'This link was already used to answer.',
    text: 'Each personal link collects one anonymous token, so the same person cannot answer twice, and the token for this link has been collected. If you did not send answers yourself, tell your HR team.',
  },
  'already-recorded': {
    title: 'These answers were already recorded.',
    text: 'Each token counts once, and this one has been counted. Nothing more needs doing.',
  },
  insecure: {
    title: 'This page needs a secure connection',
    text: 'Your anonymous token is made with your browser’s cryptography, which works only over HTTPS. Open the link exactly as it was sent to you.',
  },
} as const;

type NoticeKind = keyof typeof NOTICES;

function showNotice(kind: NoticeKind): void {
  const notice = NOTICES[kind];
  page.status.textContent = '';
  page.survey.hidden = true;
  page.receipt.hidden = true;
  page.noticeTitle.textContent = notice.title;
  page.noticeText.textContent = notice.text;
  page.notice.hidden = false;
  document.title = `${notice.title.replace(/\.$/, '')} · Pulsegap`;
}

/** Text for a failure the person should read, including the token's own failures. */
function failureText(error: unknown): string {
  if (error instanceof KeyMismatchError) return error.message;
  if (error instanceof AnonymityError) {
    return error.code === 'ANON_INVALID_TOKEN'
      ? 'The signature the server sent back does not match your group’s published key, so your answers were not sent.'
      : 'The key this page received cannot be used to make your anonymous token, so your answers were not sent.';
  }
  return describeFailure(error);
}

function showLoadFailure(error: unknown): void {
  if (error instanceof ContractError) console.error(error);
  page.status.textContent = '';
  page.survey.hidden = true;
  // A key that fails its checks is not a glitch to retry: it could single the person out.
  const [title, text] =
    error instanceof KeyMismatchError
      ? ['This pulse cannot be answered safely', `${error.message} Please tell your HR team.`]
      : ['Your pulse could not be opened', failureText(error)];
  page.noticeTitle.textContent = title;
  page.noticeText.textContent = text;
  page.notice.hidden = false;
  document.title = `${title} · Pulsegap`;
}

function collectAnswers(invitation: Invitation): Answer[] {
  const data = new FormData(page.form);
  return invitation.questions.flatMap((question, index) => {
    const value = Number(data.get(answerName(index)));
    return Number.isInteger(value) && value >= 1 && value <= 5
      ? [{ questionId: question.id, value }]
      : [];
  });
}

function updateProgress(invitation: Invitation): void {
  const data = new FormData(page.form);
  const answered = invitation.questions.filter((_, index) => data.has(answerName(index))).length;
  const text = progressText(answered, invitation.questions.length);
  page.progressText.textContent = text;
  page.progress.max = Math.max(invitation.questions.length, 1);
  page.progress.value = answered;
  // Read out as "5 of 14 answered" rather than as a percentage.
  page.progress.setAttribute('aria-valuetext', text);
  for (const button of page.questions.querySelectorAll<HTMLButtonElement>('[data-clears]')) {
    button.classList.toggle('question__clear--idle', !data.has(button.dataset.clears ?? ''));
  }
}

function updateCommentCount(): void {
  page.commentCount.textContent = characterCountText(page.comment.value.length, COMMENT_MAX_LENGTH);
}

/** Puts a stored draft back into the form: its answers by question id, and its comment. */
function restoreDraft(invitation: Invitation, answers: readonly Answer[], comment: string): void {
  const positions = new Map(invitation.questions.map((question, index) => [question.id, index]));
  for (const answer of answers) {
    const index = positions.get(answer.questionId);
    if (index === undefined) continue;
    const radio = page.form.querySelector<HTMLInputElement>(
      `input[name="${answerName(index)}"][value="${String(answer.value)}"]`,
    );
    if (radio !== null) radio.checked = true;
  }
  if (invitation.openQuestion) page.comment.value = comment;
}

function showReceipt(invitation: Invitation, fingerprint: string, withComment: boolean): void {
  page.survey.hidden = true;
  page.submitStatus.textContent = '';
  page.receiptNext.textContent = `When the pulse closes on ${formatDateTime(invitation.closesAt)}, your answers are counted together with everyone else’s. ${groupSizeSentence(invitation.group.minGroupSize)} Nobody who reads the results can tell which answers were yours.`;
  page.receiptComment.textContent = receiptCommentSentence(invitation.group);
  page.receiptComment.hidden = !withComment;
  page.receiptSegment.textContent = segmentText(invitation.segment);
  page.receiptFingerprint.textContent = formatFingerprint(fingerprint);
  page.receipt.hidden = false;
  document.title = 'Answers recorded · Pulsegap';
  page.receiptTitle.focus();
}

function finish(
  outcome: SubmitOutcome,
  invitation: Invitation,
  fingerprint: string,
  withComment: boolean,
): void {
  switch (outcome) {
    case 'recorded':
      showReceipt(invitation, fingerprint, withComment);
      return;
    case 'already-recorded':
    case 'link-used':
    case 'closed':
    case 'unknown-link':
      showNotice(outcome);
      page.noticeTitle.tabIndex = -1;
      page.noticeTitle.focus();
      return;
  }
}

/** What the page says about the group, the thresholds, who sees what and the key. */
function showAnonymity(invitation: Invitation, fingerprint: string): void {
  const closesAt = formatDateTime(invitation.closesAt);
  page.closesAt.dateTime = invitation.closesAt;
  page.closesAt.textContent = closesAt;
  page.segment.textContent = segmentText(invitation.segment);
  page.groupSize.textContent = peopleText(invitation.group.size);
  page.groupSmall.textContent = smallGroupSentence(invitation.group);
  page.resultsWhen.textContent = resultsWhenSentence(closesAt);
  page.thresholds.textContent = thresholdsSentence(invitation.group);
  page.whoSees.textContent = whoSeesSentence(invitation.group);
  page.fingerprint.textContent = formatFingerprint(fingerprint);
  const keysPath = `/api/v1/runs/${encodeURIComponent(invitation.runId)}/keys`;
  page.keysLink.href = keysPath;
  page.keysLink.textContent = keysPath;
}

function showDraftNote(store: DraftStore): void {
  if (!store.persistent) {
    page.draftNote.textContent =
      'This browser cannot keep your answers: send them before you close or reload this page.';
  }
}

function showSurvey(
  secret: string,
  invitation: Invitation,
  fingerprint: string,
  store: DraftStore,
): void {
  page.title.textContent = invitation.title;
  document.title = `${invitation.title} · Pulsegap`;
  showAnonymity(invitation, fingerprint);

  renderQuestionGroups(page.questions, groupByPriority(invitation));
  if (invitation.openQuestion) {
    page.commentLabel.textContent = invitation.openQuestionText ?? OPEN_QUESTION;
    page.commentHint.textContent = commentHint(invitation.group);
    page.openQuestion.hidden = false;
  }
  restoreDraft(invitation, store.draft.answers, store.draft.comment);
  updateProgress(invitation);
  if (invitation.openQuestion) updateCommentCount();
  showDraftNote(store);

  const submission = new ResponseSubmission(secret, invitation, store);
  let sending = false;
  let answeringStarted = store.draft.answers.length > 0 || store.draft.comment !== '';

  /** Ends the page on a link that cannot take answers; its draft is of no use any more. */
  const refuse = (refusal: TokenRefusal): void => {
    store.clear();
    finish(refusal, invitation, fingerprint, false);
  };

  // The token is collected when answering starts, not when the answers are sent, so that its
  // claim and the response are far apart in time. A failure here is said, and Send tries again.
  const collectInBackground = (): void => {
    submission
      .collectToken()
      .then((refusal) => {
        if (refusal !== undefined && !sending) refuse(refusal);
      })
      .catch((error: unknown) => {
        if (error instanceof ContractError) console.error(error);
        if (sending) return;
        page.tokenAlert.textContent = `Your anonymous token could not be collected yet. ${failureText(error)} Your answers are kept; the page tries again when you send them.`;
      });
  };

  const saveDraft = (): void => {
    store.saveDraft({ answers: collectAnswers(invitation), comment: page.comment.value });
    showDraftNote(store);
    if (!answeringStarted) {
      answeringStarted = true;
      collectInBackground();
    }
  };

  page.form.addEventListener('change', () => {
    updateProgress(invitation);
    saveDraft();
  });
  page.questions.addEventListener('click', (event) => {
    if (!(event.target instanceof HTMLButtonElement)) return;
    const name = event.target.dataset.clears;
    if (name === undefined) return;
    const radios = page.form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]`);
    for (const radio of radios) radio.checked = false;
    updateProgress(invitation);
    saveDraft();
    radios[0]?.focus();
  });
  page.comment.addEventListener('input', () => {
    updateCommentCount();
    saveDraft();
  });

  page.form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (sending) return;
    const answers = collectAnswers(invitation);
    const comment = invitation.openQuestion ? page.comment.value.trim() : '';
    page.alert.textContent = '';
    // A response is its answers; a comment alone is not one.
    if (answers.length === 0) {
      page.alert.textContent = 'Answer at least one question before sending.';
      return;
    }

    sending = true;
    page.submit.disabled = true;
    page.tokenAlert.textContent = '';
    submission
      .send(answers, comment === '' ? null : comment, (step) => {
        page.submitStatus.textContent =
          step === 'token' ? 'Getting your anonymous token…' : 'Sending…';
      })
      .then((outcome) => {
        // Sent, or never to be sent: the browser keeps neither the token nor the draft.
        store.clear();
        finish(outcome, invitation, fingerprint, comment !== '');
      })
      .catch((error: unknown) => {
        if (error instanceof ContractError) console.error(error);
        page.submitStatus.textContent = '';
        page.alert.textContent = failureText(error);
        page.submit.disabled = false;
        sending = false;
      });
  });

  page.status.textContent = '';
  page.survey.hidden = false;
  // A draft from an earlier visit means answering has started: its token is collected now.
  if (answeringStarted) collectInBackground();
}

/** Loads the invitation; a link that cannot take answers gets its notice instead of the form. */
async function open(secret: string): Promise<void> {
  let invitation: Invitation;
  try {
    invitation = await requestJson(`/invite/${encodeURIComponent(secret)}`, parseInvitation);
  } catch (error) {
    // A link cut short by a mail program fails validation (400): it is as unknown as a 404.
    if (!(error instanceof ProblemError) || ![400, 404, 410].includes(error.status)) throw error;
    showNotice(error.status === 410 ? 'closed' : 'unknown-link');
    return;
  }
  if (!window.isSecureContext) {
    // The token is made with WebCrypto, which browsers offer only in a secure context.
    showNotice(invitation.tokenCollected ? 'link-used' : 'insecure');
    return;
  }
  const store = await DraftStore.open(secret, invitation);
  // A token collected for this link is of use only where it is kept: in this browser.
  if (invitation.tokenCollected && store.token === null) {
    store.clear();
    showNotice('link-used');
    return;
  }
  // The key is checked against the run's public list before any token is asked for with it.
  const published = await requestJson(
    `/runs/${encodeURIComponent(invitation.runId)}/keys`,
    parsePublishedKeys,
  );
  const fingerprint = await checkedFingerprint(invitation, published);
  showSurvey(secret, invitation, fingerprint, store);
}

const secret = secretFromPath(window.location.pathname);
if (secret === null) {
  showNotice('no-secret');
} else {
  open(secret).catch(showLoadFailure);
}
