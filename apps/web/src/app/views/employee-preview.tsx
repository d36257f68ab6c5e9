import { OPEN_QUESTION, TIERS, type Tier } from '@pulsegap/domain';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { DECISIONS_GROUP_TITLE } from '../../answer-view.js';
import { renderQuestionGroups } from '../../question-groups.js';
import type { LikertItem, PreviewDecisionItem, Team } from '../hr-contract.js';
import { employeeQuestions, type PulseDraft } from '../pulse-draft.js';

/**
 * The questions as an employee would meet them on the answer page, drawn by the answer page's
 * own code (`question-groups.ts`) and disabled: a preview, not a form. Previewed as one tier
 * of the audience at a time (leaders are asked the prediction items too); the follow-up items
 * of open decisions come from the server's preview and say which team is asked them.
 */
export function EmployeePreview({
  draft,
  priorities,
  customItems,
  teams,
  decisionItems,
}: {
  draft: PulseDraft;
  priorities: readonly { id: string; title: string }[];
  customItems: readonly LikertItem[];
  teams: readonly Team[];
  decisionItems: readonly PreviewDecisionItem[];
}) {
  // The tiers the audience takes: an empty choice is both.
  const tiers: readonly Tier[] = draft.tiers.length === 1 ? draft.tiers : TIERS;
  const [chosen, setChosen] = useState<Tier>('frontline');
  const tier = tiers.includes(chosen) ? chosen : (tiers[0] ?? 'frontline');
  const groups = useMemo(
    () =>
      employeeQuestions(draft, priorities, customItems, {
        tier,
        decisionItems,
        teamName: (teamId) => teams.find((team) => team.id === teamId)?.name,
      }),
    [draft, priorities, customItems, tier, decisionItems, teams],
  );
  const questions = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (questions.current !== null) renderQuestionGroups(questions.current, groups);
  }, [groups]);
  const count = groups.reduce((sum, group) => sum + group.questions.length, 0);
  const decisions =
    groups.find((group) => group.priorityId === '' && group.title === DECISIONS_GROUP_TITLE)
      ?.questions.length ?? 0;
  return (
    <section class="employee-preview" aria-labelledby="employee-preview-title">
      <h2 id="employee-preview-title">Preview of the employee page</h2>
      {count === 0 ? (
        <p class="empty">Choose priorities and dimensions to see the questions.</p>
      ) : (
        <>
          <fieldset class="employee-preview__as choices">
            <legend>Preview as</legend>
            <div class="choices__row">
              {tiers.map((option) => (
                <label class="choice" key={option}>
                  <input
                    type="radio"
                    name="employee-preview-tier"
                    value={option}
                    checked={option === tier}
                    onChange={() => {
                      setChosen(option);
                    }}
                  />{' '}
                  {option}
                </label>
              ))}
            </div>
          </fieldset>
          <div class="employee-preview__frame">
            <p class="employee-preview__title">
              {draft.title.trim() === '' ? 'Untitled pulse' : draft.title}
            </p>
            <p class="meta employee-preview__count">
              At most {count} {count === 1 ? 'statement' : 'statements'} for {tier} invitees, each
              answered from 1 (strongly disagree) to 5 (strongly agree); every one may be left out.
              {decisions === 0
                ? null
                : ` The ${decisions} under ${DECISIONS_GROUP_TITLE} are asked only of the teams named there.`}
            </p>
            <fieldset
              disabled
              class="employee-preview__form"
              aria-label="The questions, disabled in this preview"
            >
              <div ref={questions} />
              {draft.openQuestion ? (
                <div class="open-question">
                  <label for="preview-comment">{OPEN_QUESTION} (optional)</label>
                  <textarea id="preview-comment" rows={3} />
                </div>
              ) : null}
            </fieldset>
          </div>
        </>
      )}
    </section>
  );
}
