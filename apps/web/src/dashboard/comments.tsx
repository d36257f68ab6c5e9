import { useMemo, useState } from 'preact/hooks';
import { teamRows } from '../app/team-rows.js';
import type { CommentGroup, Tier } from './contract.js';
import type { SectionProps } from './section.js';

const TIER_LABELS: Record<Tier, string> = { leadership: 'Leadership', frontline: 'Frontline' };
const TIERS: readonly Tier[] = ['leadership', 'frontline'];

interface CommentPlace {
  key: string;
  name: string;
  /** The department a team belongs to, if any. */
  parent: string | null;
  groups: CommentGroup[];
}

/** How many comments a list shows before "Show all": more for the organization than a team. */
const FIRST_SHOWN = { organization: 12, team: 6 } as const;

/**
 * The released groups by place: the whole organization first, then teams in the order of the
 * run's team tree where the report has it (parents before their teams; else as released),
 * each with its tiers, leadership first.
 */
function commentPlaces(
  groups: readonly CommentGroup[],
  teams: SectionProps['report']['gaps']['teams'],
): CommentPlace[] {
  const order = new Map(teamRows(teams, []).map((row, index) => [row.id, index]));
  const names = new Map(teams.map((team) => [team.id, team.name]));
  const parents = new Map(teams.map((team) => [team.id, team.parentId]));
  const byPlace = new Map<string | null, CommentGroup[]>();
  for (const group of groups) {
    if (group.comments.length === 0) continue;
    byPlace.set(group.teamId, [...(byPlace.get(group.teamId) ?? []), group]);
  }
  const rank = (teamId: string | null): number =>
    teamId === null ? -1 : (order.get(teamId) ?? Number.MAX_SAFE_INTEGER);
  return [...byPlace.entries()]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([teamId, placeGroups]) => ({
      key: teamId ?? 'organization',
      name:
        teamId === null
          ? 'The whole organization'
          : (placeGroups[0]?.team ?? 'A team since removed'),
      parent: teamId === null ? null : (names.get(parents.get(teamId) ?? '') ?? null),
      groups: placeGroups.toSorted((a, b) => TIERS.indexOf(a.tier) - TIERS.indexOf(b.tier)),
    }));
}

/** The answers to the open question, by group, as the run released them. */
export function CommentsSection({ report }: SectionProps) {
  const { comments } = report;
  const places = useMemo(() => commentPlaces(comments.groups, report.gaps.teams), [report]);
  const threshold = comments.commentMinGroupSize;
  return (
    <div class="section-body comments" data-ready="true">
      <p class="comments__rule">
        What people wrote when asked “What makes this hard that nobody is saying out loud?” Comments
        are shown only for a group (the organization or a team, and a tier) with at least{' '}
        {threshold} respondents of that tier, so nobody can be recognised by what they wrote;
        smaller groups’ comments are not shown. They appear in a random order, without dates, and a
        team’s comments are also among its department’s and the organization’s.
      </p>
      {places.length === 0 ? (
        <p class="empty" data-testid="no-comments">
          No group reached the comment threshold of {threshold} respondents of a tier in this run,
          so no comments are shown.
        </p>
      ) : (
        places.map((place) => (
          <section key={place.key} class="comment-place" aria-labelledby={`comments-${place.key}`}>
            <h3 id={`comments-${place.key}`}>
              {place.name}
              {place.parent === null ? null : (
                <span class="comment-place__parent"> in {place.parent}</span>
              )}
            </h3>
            {place.groups.map((group) => (
              <CommentList
                key={group.tier}
                group={group}
                firstShown={group.teamId === null ? FIRST_SHOWN.organization : FIRST_SHOWN.team}
              />
            ))}
          </section>
        ))
      )}
    </div>
  );
}

/** One group's comments under its tier's heading; a long list opens in full on request. */
function CommentList({ group, firstShown }: { group: CommentGroup; firstShown: number }) {
  const [all, setAll] = useState(false);
  const count = group.comments.length;
  const shown = all ? group.comments : group.comments.slice(0, firstShown);
  return (
    <div class="comment-group">
      <h4>
        {TIER_LABELS[group.tier]}{' '}
        <span class="comment-group__count">
          ({count} {count === 1 ? 'comment' : 'comments'})
        </span>
      </h4>
      <ul class="comment-list">
        {shown.map((text, index) => (
          <li key={index}>{text}</li>
        ))}
      </ul>
      {count > firstShown ? (
        <button
          type="button"
          class="button button--quiet comment-group__more"
          aria-expanded={all}
          onClick={() => {
            setAll(!all);
          }}
        >
          {all ? `Show the first ${firstShown} only` : `Show all ${count} comments`}
        </button>
      ) : null}
    </div>
  );
}
