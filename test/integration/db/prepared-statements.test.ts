// On PostgreSQL our parameterised SQL runs as named prepared statements (parsed and planned once
// per connection), `select *` stays unnamed, results are the same, and the switch turns it off.

import t from 'tap';
import { sql } from 'kysely';
import { connectDatabase } from '../../../src/db/connect.js';
import { migrateToLatest } from '../../../src/db/migrator.js';
import { createLogger } from '../../../src/log/logger.js';
import { createEmptyPostgresDatabase, testDatabaseUrl } from '../../helpers/database.js';

t.test('named prepared statements', { skip: testDatabaseUrl ? false : 'prepared statements belong to the PostgreSQL driver (pg); PGlite runs in process' }, async (t) => {
  const fresh = await createEmptyPostgresDatabase(testDatabaseUrl as string);
  t.teardown(() => fresh.drop());
  const logger = createLogger('silent');

  for (const preparedStatements of [true, false]) {
    const database = await connectDatabase({ databaseUrl: fresh.url, dataDir: '/nonexistent', poolMax: 1, logger, preparedStatements });
    if (preparedStatements) await migrateToLatest(database.db as never, logger);
    const { db } = database;
    // One pooled connection: pg_prepared_statements shows what this very session has prepared.
    const lookup = (id: string) => db.selectFrom('clients').select(['client_id', 'source']).where('client_id', '=', id).executeTakeFirst();
    if (preparedStatements) await db.insertInto('clients').values({ client_id: 'c1', metadata: JSON.stringify({}), secret_envelope: null, source: 'cli' }).execute();
    t.match(await lookup('c1'), { client_id: 'c1', source: 'cli' });
    t.equal(await lookup('c2'), undefined);
    t.match(await db.selectFrom('clients').selectAll().where('client_id', '=', 'c1').executeTakeFirst(), { client_id: 'c1' }, 'select * still answers');
    const prepared = (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db)).rows;
    const ours = prepared.filter((p) => p.name.startsWith('jsrs_'));
    if (preparedStatements) {
      t.ok(ours.some((p) => p.statement.includes('select "client_id", "source" from "clients"')), 'the look-up is a named prepared statement');
      t.equal(ours.filter((p) => p.statement.includes('select "client_id", "source" from "clients"')).length, 1, 'prepared once, used twice');
      t.notOk(ours.some((p) => p.statement.includes('select * from')), 'select * is not prepared');
    } else {
      t.same(ours, [], 'DB_PREPARED_STATEMENTS=false: nothing prepared');
    }
    await database.close();
  }
});
