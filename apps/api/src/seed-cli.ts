import { deriveKey, loadConfig } from '@pulsegap/config';
import { openDatabase, withTenant } from '@pulsegap/db';
import { createJobContext, releaseRunRequest, runJob } from '@pulsegap/jobs';
import { DEMO_LOGINS, seedDemo } from './demo/seed.js';

// `npm run seed`: the demo organization, alone. With DATABASE_URL it seeds that database
// (migrated first with `npm run migrate`); without, the embedded one. Never in production.
const config = loadConfig(process.env.DATABASE_URL === undefined ? 'embedded' : 'server');
if (config.production) throw new Error('the demo organization is never seeded in production');
const database = await openDatabase(config);
try {
  const organizationId = await seedDemo(database.db, {
    invitationKey: deriveKey(config, 'invitation-secrets'),
    segmentKeySealing: deriveKey(config, 'segment-key-sealing'),
  });
  const runs = await withTenant(database.db, organizationId, (trx) =>
    trx.selectFrom('runs').select('id').execute(),
  );
  for (const run of runs) {
    const request = releaseRunRequest(organizationId, run.id);
    await runJob(createJobContext(config, database.db), request.name, request.payload);
  }
  console.log(
    `seed: demo organization ready; sign in as ${DEMO_LOGINS.admin} / ${DEMO_LOGINS.password}`,
  );
} finally {
  await database.close();
}
