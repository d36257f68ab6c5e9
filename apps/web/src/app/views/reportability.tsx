import type { Reportability as Preview, Team, TierBooleans, TierNumbers } from '../hr-contract.js';

/** "figures, comments of the frontline", "nothing on its own"… */
export function shownText(group: { figures: boolean; comments: TierBooleans }): string {
  const comments = (['leadership', 'frontline'] as const).filter((tier) => group.comments[tier]);
  const parts = [
    ...(group.figures ? ['figures'] : []),
    ...(comments.length === 0 ? [] : [`comments of the ${comments.join(' and ')}`]),
  ];
  return parts.length === 0 ? 'nothing on its own' : parts.join(', ');
}

function ReportableRow({
  name,
  group,
}: {
  name: string;
  group: { invited: TierNumbers; figures: boolean; comments: TierBooleans };
}) {
  return (
    <tr>
      <th scope="row">{name}</th>
      <td class="num">
        {group.invited.leadership} + {group.invited.frontline}
      </td>
      <td>{shownText(group)}</td>
    </tr>
  );
}

/**
 * What a run of the pulse would release (`/pulses/:id/preview`): who is invited, which groups
 * are merged upward, which teams' figures and comments can be shown, and whether it can start.
 */
export function ReportabilityPreview({ preview, teams }: { preview: Preview; teams: Team[] }) {
  const name = (teamId: string | null): string =>
    teamId === null
      ? 'the whole organization'
      : (teams.find((team) => team.id === teamId)?.name ??
        preview.teams.find((team) => team.teamId === teamId)?.name ??
        'a team');
  return (
    <div class="reportability">
      {preview.startable ? (
        <p class="success">
          A run can start: {preview.invited} {preview.invited === 1 ? 'person' : 'people'} would be
          invited.
        </p>
      ) : (
        <div class="warning" role="alert">
          <p>
            A run cannot start as it is.{' '}
            {preview.problem ?? 'A whole tier of the audience is under the minimum group size.'}
          </p>
        </div>
      )}
      <p>
        At most {preview.questions} {preview.questions === 1 ? 'question' : 'questions'}, about{' '}
        {preview.estimatedMinutes} {preview.estimatedMinutes === 1 ? 'minute' : 'minutes'} to
        answer: what the invitee asked the most answers (the employee preview shows each tier’s
        questions). Figures are shown for groups of at least k = {preview.minGroupSize}, comments
        for groups of at least {preview.commentMinGroupSize}.
      </p>
      <p>
        Invited:{' '}
        {preview.tiers
          .map((t) => `${t.invited} ${t.tier}${t.underK ? ' (under k)' : ''}`)
          .join(', ')}
        .
      </p>
      {preview.warnings.length === 0 ? null : (
        <ul class="warnings">
          {preview.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      )}
      {preview.merged.length === 0 ? (
        <p class="meta">No group is merged upward: every team’s tier has at least k people.</p>
      ) : (
        <>
          <h3>Merged upward</h3>
          <ul>
            {preview.merged.map((m) => (
              <li key={`${m.teamId}-${m.tier}`}>
                {name(m.teamId)} ({m.tier}, {m.invited} invited) counts with {name(m.intoTeamId)}
              </li>
            ))}
          </ul>
        </>
      )}
      <h3 id="reportable-title">What can be shown after the run</h3>
      <p class="meta">
        If everyone invited answers. Invited people are counted as leadership + frontline.
      </p>
      <div class="table-scroll" role="region" aria-labelledby="reportable-title" tabIndex={0}>
        <table class="data-table">
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col" class="num">
                Invited
              </th>
              <th scope="col">Shown</th>
            </tr>
          </thead>
          <tbody>
            <ReportableRow name="Whole organization" group={preview.organization} />
            {preview.teams.map((team) => (
              <ReportableRow key={team.teamId} name={team.name} group={team} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
