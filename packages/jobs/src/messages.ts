import type { OutboundMessage } from '@pulsegap/db';
import type { RunPreview } from '@pulsegap/domain';

/** A moment as people of the organization read it: `Mon 7 Dec 2026, 09:00 (Europe/Berlin)`. */
export function localTime(at: Date, timezone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
  return `${text} (${timezone})`;
}

/** The page of a pulse in HR's pages, where it can be paused. */
export function pulsePageUrl(publicUrl: string, pulseId: string): string {
  return `${publicUrl}/#/pulses/${pulseId}`;
}

/**
 * A reminder to one person invited to a run. It never says or implies that they have not
 * answered: it is worded as a reminder to everyone invited, and thanks those who took part.
 */
export function reminderMessage(input: {
  to: string;
  name: string;
  title: string;
  closesAt: Date;
  timezone: string;
  link: string;
}): OutboundMessage {
  const closes = localTime(input.closesAt, input.timezone);
  return {
    to: input.to,
    subject: `${input.title}: open until ${closes}`,
    text: [
      `Hello ${input.name},`,
      '',
      `A reminder to everyone invited: ${input.title} is open until ${closes}.`,
      'It takes about two minutes, and your answers are anonymous: nobody can link them to you.',
      'If you have already taken part, thank you: there is nothing more to do.',
      '',
      `The pulse: ${input.link}`,
    ].join('\n'),
    link: input.link,
  };
}

/**
 * The launch notice an admin gets before a scheduled run: when it starts, what it asks, who
 * is invited (per team and tier, with teams merged upward), and where to pause it.
 */
export function launchNoticeMessage(input: {
  to: string;
  title: string;
  startsAt: Date;
  openForHours: number;
  timezone: string;
  preview: RunPreview;
  teamNames: ReadonlyMap<string, string>;
  pulseUrl: string;
}): OutboundMessage {
  const { preview } = input;
  const name = (teamId: string | null) =>
    teamId === null ? 'the whole organization' : (input.teamNames.get(teamId) ?? 'a team');
  const starts = localTime(input.startsAt, input.timezone);
  const lines = [
    `${input.title} starts by its schedule on ${starts} and stays open ${input.openForHours} hours.`,
    '',
  ];
  if (preview.problem !== null) {
    lines.push(`As the roster is now, this run will not start: ${preview.problem}`, '');
  } else {
    lines.push(
      `It will invite ${preview.invited} people (${preview.tiers.map((t) => `${t.invited} ${t.tier}`).join(', ')}) to answer at most ${preview.questions} questions, about ${preview.estimatedMinutes} minutes.`,
      '',
      'Invited, per team:',
      ...preview.teams.map(
        (team) =>
          `- ${team.name}: ${team.invited.leadership} leadership, ${team.invited.frontline} frontline`,
      ),
    );
    if (preview.merged.length > 0) {
      lines.push(
        '',
        'Too small to answer as their own group, so counted with a larger one:',
        ...preview.merged.map(
          (m) => `- ${name(m.teamId)} (${m.invited} ${m.tier}) with ${name(m.intoTeamId)}`,
        ),
      );
    }
    if (preview.warnings.length > 0) lines.push('', ...preview.warnings);
  }
  lines.push('', `To pause or change it: ${input.pulseUrl}`);
  return {
    to: input.to,
    subject: `${input.title} starts ${starts}`,
    text: lines.join('\n'),
    link: input.pulseUrl,
  };
}
