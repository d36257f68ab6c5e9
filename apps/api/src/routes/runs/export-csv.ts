import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import Type from 'typebox';
import { IdParams, problems } from '../../schemas.js';
import { releaseOf, teamName } from '../../services/releases.js';

const CSV_COLUMNS = [
  'priorityId',
  'priority',
  'dimension',
  'teamId',
  'team',
  'leadershipN',
  'leadershipMean',
  'leadershipSd',
  'leadershipTop2',
  'frontlineN',
  'frontlineMean',
  'frontlineSd',
  'frontlineTop2',
  'gap',
  'ci95Low',
  'ci95High',
  'pValue',
  'qValue',
  'cliffsDelta',
  'hedgesG',
] as const;

/**
 * A cell as text: a number as itself, text that a spreadsheet would read as a formula
 * (starting with `=`, `+`, `-`, `@`, a tab or a carriage return: a team or priority name
 * someone typed) behind an apostrophe, so it is shown and never run; nothing as empty.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** `GET /runs/:id/export.csv`: every shown cell of the run's release. */
const exportCsv: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/runs/:id/export.csv',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['analytics'],
        description: `Every cell of the run’s release that is shown, as CSV with the columns ${CSV_COLUMNS.join(', ')}; withheld cells are left out. 409 while the run is open.`,
        params: IdParams,
        produces: ['text/csv'],
        response: { 200: Type.String(), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const release = await releaseOf(fastify, request, request.params.id);
      const titles = new Map(release.priorities.map((p) => [p.id, p.title]));
      const rows = release.cells.flatMap((c) =>
        c.suppressed || c.leadership === null || c.frontline === null
          ? []
          : [
              [
                c.priorityId,
                titles.get(c.priorityId) ?? '',
                c.dimension,
                c.teamId ?? '',
                teamName(release, c.teamId) ?? '',
                c.leadership.n,
                c.leadership.mean,
                c.leadership.sd,
                c.leadership.top2,
                c.frontline.n,
                c.frontline.mean,
                c.frontline.sd,
                c.frontline.top2,
                c.gap,
                c.ci95?.[0],
                c.ci95?.[1],
                c.pValue,
                c.qValue,
                c.cliffsDelta,
                c.hedgesG,
              ].map(csvCell),
            ],
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="run-${request.params.id}.csv"`)
        .send(stringify([[...CSV_COLUMNS], ...rows]));
    },
  );
};

export default exportCsv;
