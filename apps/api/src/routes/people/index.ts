import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  applyRoster,
  countActivePeople,
  listPeople,
  listTeams,
  recordAudit,
  type TenantTransaction,
} from '@pulsegap/db';
import { deactivationNeedsConfirmation, DEACTIVATION_CONFIRMATION_SHARE } from '@pulsegap/domain';
import Type from 'typebox';
import { AppError, invalid, type LineError } from '../../errors.js';
import { ListOf, problems, Tier, Uuid } from '../../schemas.js';
import {
  parseRosterCsv,
  validateRosterRows,
  ROSTER_MAX_ROWS,
  type RosterRow,
} from './roster-csv.js';

const CSV_LIMIT_BYTES = 5 * 1024 * 1024;

const ImportQuery = Type.Object(
  {
    deactivateMissing: Type.Optional(Type.Boolean()),
    /** Given after a 409: deactivate even more than 40 % of the active people. */
    confirmDeactivation: Type.Optional(Type.Boolean()),
    /** Check the import and answer as it would, applying nothing. */
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const JsonRoster = Type.Object(
  { people: Type.Array(Type.Unknown(), { maxItems: ROSTER_MAX_ROWS }) },
  { additionalProperties: false },
);
const PersonSchema = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  teamId: Uuid,
  team: Type.String(),
  tier: Tier,
  active: Type.Boolean(),
});

/** The roster: import (CSV or JSON, all or nothing) and list. */
const people: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: CSV_LIMIT_BYTES },
    (_request, body, done) => {
      done(null, body);
    },
  );

  fastify.post(
    '/people/import',
    {
      preHandler: fastify.authorize('admin'),
      bodyLimit: CSV_LIMIT_BYTES,
      schema: {
        tags: ['roster'],
        description:
          'Imports the roster as `text/csv` (header `email,name,team,tier`, optional `parent_team`) or JSON `{people: [...]}`. Any row error applies nothing. `deactivateMissing=true` deactivates everyone not listed; if that is more than 40 % of the active people, nothing is applied and 409 `PG_ERR_CONFIRM_DEACTIVATION` says how many, until the import is sent again with `confirmDeactivation=true`. `dryRun=true` answers exactly as the import would (the counts, the row errors, the 409) and applies nothing, so the file can be checked before it is sent for real.',
        querystring: ImportQuery,
        body: {
          content: {
            'text/csv': { schema: Type.String() },
            'application/json': { schema: JsonRoster },
          },
        },
        response: {
          200: Type.Object({
            created: Type.Integer(),
            updated: Type.Integer(),
            deactivated: Type.Integer(),
          }),
          ...problems(400, 401, 403, 409, 413, 415),
        },
      } as never,
    },
    async (request) => {
      const body: unknown = request.body;
      if (body === undefined || body === null) {
        throw new AppError(
          400,
          'PG_ERR_VALIDATION',
          'Bad Request',
          'The request has no roster: send it as text/csv, or as JSON {"people": [...]}.',
        );
      }
      const parsed =
        typeof body === 'string'
          ? parseRosterCsv(body)
          : validateRosterRows((body as { people: unknown[] }).people);
      if (!parsed.ok) throw invalid(rejectionDetail(parsed.errors), parsed.errors);
      const query = request.query as {
        deactivateMissing?: boolean;
        confirmDeactivation?: boolean;
        dryRun?: boolean;
      };
      const deactivateMissing = query.deactivateMissing ?? false;
      const { organizationId, userId } = request.auth;
      const dryRun = new DryRun();
      return fastify
        .tenant(request, async (trx) => {
          await assertNoTeamCycle(trx, parsed.rows, typeof body === 'string');
          const activeBefore = await countActivePeople(trx);
          const counts = await applyRoster(trx, organizationId, parsed.rows, { deactivateMissing });
          if (
            query.confirmDeactivation !== true &&
            deactivationNeedsConfirmation(activeBefore, counts.deactivated)
          ) {
            // Thrown inside the transaction: nothing of the import is applied.
            throw new AppError(
              409,
              'PG_ERR_CONFIRM_DEACTIVATION',
              'Conflict',
              `This import would deactivate ${counts.deactivated} of ${activeBefore} active people, more than ${Math.round(DEACTIVATION_CONFIRMATION_SHARE * 100)} %; nothing was applied. Check the file, or send it again with confirmDeactivation=true.`,
              undefined,
              { deactivated: counts.deactivated, active: activeBefore },
            );
          }
          // Thrown to roll the whole import back, answered with its counts below.
          if (query.dryRun === true) throw dryRun.with(counts);
          // Counts only: the audit log names nobody on the roster.
          await recordAudit(trx, organizationId, {
            actorUserId: userId,
            action: 'roster.imported',
            subject: 'roster',
            detail: {
              format: typeof body === 'string' ? 'csv' : 'json',
              rows: parsed.rows.length,
              deactivateMissing,
              ...counts,
            },
          });
          return counts;
        })
        .catch((error: unknown) => {
          if (error === dryRun) return dryRun.counts;
          throw error;
        });
    },
  );

  fastify.get(
    '/people',
    {
      preHandler: fastify.authorize('admin'),
      schema: { tags: ['roster'], response: { 200: ListOf(PersonSchema), ...problems(401, 403) } },
    },
    async (request) => ({ items: await fastify.tenant(request, listPeople) }),
  );
};

/** The outcome of a dry run, thrown out of its transaction so that nothing of it stays. */
class DryRun extends Error {
  counts = { created: 0, updated: 0, deactivated: 0 };
  with(counts: { created: number; updated: number; deactivated: number }): this {
    this.counts = counts;
    return this;
  }
}

function rejectionDetail(errors: readonly LineError[]): string {
  const first = errors[0];
  const where =
    first === undefined ? '' : ` First: line ${first.line}, ${first.field}: ${first.message}.`;
  return `The roster has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was imported.${where}`;
}

/** Refuses parents that would make a team its own ancestor, with the existing teams. */
async function assertNoTeamCycle(trx: TenantTransaction, rows: readonly RosterRow[], csv: boolean) {
  const existing = await listTeams(trx);
  const byId = new Map(existing.map((t) => [t.id, t.name]));
  const parent = new Map<string, string | null>(
    existing.map((t) => [t.name, t.parentId === null ? null : (byId.get(t.parentId) ?? null)]),
  );
  const lineOf = new Map<string, number>();
  for (const row of rows) {
    if (row.parentTeam !== null) {
      parent.set(row.team, row.parentTeam);
      if (!lineOf.has(row.team)) lineOf.set(row.team, row.line);
    }
  }
  const errors: LineError[] = [];
  for (const [team, line] of lineOf) {
    const seen = new Set([team]);
    for (let p = parent.get(team) ?? null; p !== null; p = parent.get(p) ?? null) {
      if (seen.has(p)) {
        errors.push({
          line,
          field: csv ? 'parent_team' : 'parentTeam',
          message: `makes team "${team}" part of a cycle of parent teams`,
        });
        break;
      }
      seen.add(p);
    }
  }
  if (errors.length > 0) throw invalid(rejectionDetail(errors), errors);
}

export default people;
