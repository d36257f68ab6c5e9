import type { Migration, MigrationProvider } from 'kysely/migration';
import * as initial from './2026-11-25T1000-initial.js';
import * as answering from './2026-11-25T1200-answering.js';
import * as responseAnswers from './2026-11-25T1400-response-answers.js';
import * as tokenBatches from './2026-11-25T1500-token-batches.js';
import * as runSummary from './2026-11-25T1600-run-summary.js';
import * as admitResponses from './2026-11-25T1700-admit-responses.js';
import * as tokenBatchesCachedPlans from './2026-11-25T1800-token-batches-cached-plans.js';
import * as releaseOnce from './2026-12-04T1000-release-once.js';
import * as settingsAndAudit from './2026-12-04T1200-settings-and-audit.js';
import * as outboxDeletedWhenRelayed from './2026-12-04T2300-outbox-deleted-when-relayed.js';
import * as sealedResponsesPerRun from './2026-12-05T0900-sealed-responses-per-run.js';
import * as definerRole from './2026-12-05T1000-definer-role.js';
import * as schemaVersion from './2026-12-05T1100-schema-version.js';
import * as tokenRetry from './2026-12-05T1200-token-retry.js';
import * as outboxOwedUntilDone from './2026-12-05T1300-outbox-owed-until-done.js';
import * as scheduledRuns from './2026-12-05T1400-scheduled-runs.js';
import * as scheduledPulses from './2026-12-05T1500-scheduled-pulses.js';
import * as reminders from './2026-12-05T1600-reminders.js';
import * as segmentKeyStock from './2026-12-05T1700-segment-key-stock.js';
import * as roomAndDecisions from './2026-12-05T1800-room-and-decisions.js';
import * as roomCodeLookup from './2026-12-05T1900-room-code-lookup.js';
import * as decisionItems from './2026-12-05T2000-decision-items.js';
import * as customItemsAndPredictions from './2026-12-05T2100-custom-items-and-predictions.js';
import * as roomCapacity from './2026-12-05T2200-room-capacity.js';

/** Every migration, by its dated name; listed here so the same build runs on PostgreSQL and PGlite. */
const migrations: Record<string, Migration> = {
  '2026-11-25T1000-initial': initial,
  '2026-11-25T1200-answering': answering,
  '2026-11-25T1400-response-answers': responseAnswers,
  '2026-11-25T1500-token-batches': tokenBatches,
  '2026-11-25T1600-run-summary': runSummary,
  '2026-11-25T1700-admit-responses': admitResponses,
  '2026-11-25T1800-token-batches-cached-plans': tokenBatchesCachedPlans,
  '2026-12-04T1000-release-once': releaseOnce,
  '2026-12-04T1200-settings-and-audit': settingsAndAudit,
  '2026-12-04T2300-outbox-deleted-when-relayed': outboxDeletedWhenRelayed,
  '2026-12-05T0900-sealed-responses-per-run': sealedResponsesPerRun,
  '2026-12-05T1000-definer-role': definerRole,
  '2026-12-05T1100-schema-version': schemaVersion,
  '2026-12-05T1200-token-retry': tokenRetry,
  '2026-12-05T1300-outbox-owed-until-done': outboxOwedUntilDone,
  '2026-12-05T1400-scheduled-runs': scheduledRuns,
  '2026-12-05T1500-scheduled-pulses': scheduledPulses,
  '2026-12-05T1600-reminders': reminders,
  '2026-12-05T1700-segment-key-stock': segmentKeyStock,
  '2026-12-05T1800-room-and-decisions': roomAndDecisions,
  '2026-12-05T1900-room-code-lookup': roomCodeLookup,
  '2026-12-05T2000-decision-items': decisionItems,
  '2026-12-05T2100-custom-items-and-predictions': customItemsAndPredictions,
  '2026-12-05T2200-room-capacity': roomCapacity,
};

/** The last migration this build knows: a database older than that is not ready for it. */
export const LATEST_MIGRATION = Object.keys(migrations).sort().at(-1) ?? '';

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
