import { deriveKey, type Config } from '@pulsegap/config';
import type { Database } from '@pulsegap/db';
import type { Kysely } from 'kysely';
import { outboxMailer, smtpMailer, type Mailer } from './mailer.js';
import type { JobMetrics } from './metrics.js';

/** What every job handler may use. */
export interface JobContext {
  readonly db: Kysely<Database>;
  readonly mailer: Mailer;
  /** Key of invitation secrets (see `invitationSecret`). */
  readonly invitationKey: Buffer;
  /** Key that seals accepted responses until their run is released (`sealResponse`). */
  readonly responseSealingKey: Buffer;
  /** Key that seals segment private keys (`makeSegmentKeys`), as the API's. */
  readonly segmentKeySealing: Buffer;
  /** Base URL of the links the service sends. */
  readonly publicUrl: string;
  /** Where job and release durations are reported (`null`: nowhere). */
  readonly metrics: JobMetrics | null;
}

/**
 * The job context of a process: SMTP when `SMTP_URL` is set, else the development outbox;
 * durations reported to `metrics` when given.
 */
export function createJobContext(
  config: Pick<Config, 'smtpUrl' | 'secretKey' | 'publicUrl'>,
  db: Kysely<Database>,
  metrics: JobMetrics | null = null,
): JobContext {
  const host = new URL(config.publicUrl).hostname;
  return {
    db,
    mailer:
      config.smtpUrl === null
        ? outboxMailer()
        : smtpMailer(config.smtpUrl, `Pulsegap <pulse@${host}>`),
    invitationKey: deriveKey(config, 'invitation-secrets'),
    responseSealingKey: deriveKey(config, 'response-sealing'),
    segmentKeySealing: deriveKey(config, 'segment-key-sealing'),
    publicUrl: config.publicUrl,
    metrics,
  };
}
