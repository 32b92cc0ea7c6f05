// WORKERS=2 as `npm start` runs it, on PostgreSQL: new connections are spread over both workers,
// /metrics counts the whole node's requests, and a worker killed mid-load costs no more than its
// in-flight requests while the node stays ready and the primary starts a replacement.

import t from 'tap';
import { testDatabaseUrl } from '../helpers/database.js';
import { cpuTicks, getOnNewConnection, isAlive, sample, startClusterNode, waitUntil } from '../helpers/cluster-node.js';

t.test('a node of two workers', { skip: testDatabaseUrl ? false : 'several workers need PostgreSQL (the embedded engine has one writer)' }, async (t) => {
  const node = await startClusterNode(testDatabaseUrl as string);
  t.teardown(async () => {
    await node.stop('SIGKILL');
    for (const pid of node.listeningPids()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await node.drop();
  });
  const [first, second] = node.listeningPids();
  t.equal(node.listeningPids().length, 2, 'both workers listen');
  t.not(first, node.child.pid, 'workers are separate processes from the primary');

  // Spread: each new connection goes to the next worker.
  const before = [cpuTicks(first as number), cpuTicks(second as number)];
  const readyz = 120;
  const answers = [];
  for (let i = 0; i < readyz; i += 6) answers.push(...(await Promise.all(Array.from({ length: 6 }, () => getOnNewConnection(`${node.url}/readyz`)))));
  t.equal(answers.filter((a) => 'status' in a && a.status === 200).length, readyz, 'every readiness probe answers 200');
  const used = [cpuTicks(first as number) - (before[0] as number), cpuTicks(second as number) - (before[1] as number)];
  const total = (used[0] as number) + (used[1] as number);
  t.ok(total > 0 && (used[0] as number) >= total * 0.2 && (used[1] as number) >= total * 0.2, `both workers did the work (CPU ticks ${used.join(' / ')})`);

  // /metrics: the whole node's count, whichever worker the scrape lands on.
  for (let i = 0; i < 2; i += 1) {
    const scrape = await getOnNewConnection(`${node.url}/metrics`);
    t.ok('status' in scrape && scrape.status === 200, 'the scrape answers');
    const text = 'body' in scrape ? scrape.body : '';
    t.equal(sample(text, 'jsrs_http_requests_total{route="/readyz",method="GET",status="200"}'), readyz, 'the readiness probes of both workers are counted');
    t.equal(sample(text, 'jsrs_cluster_workers'), 2, 'the primary reports two workers');
  }

  // A worker killed mid-load.
  const concurrency = 6;
  let done = 0;
  let killedAt = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (done < 300) {
      const res = await getOnNewConnection(`${node.url}/readyz`, 15_000);
      done += 1;
      if (!('status' in res) || res.status !== 200) failures.push('error' in res ? res.error : `status ${res.status}`);
      if (done === 100 && killedAt === 0) {
        killedAt = Date.now();
        process.kill(first as number, 'SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  t.ok(killedAt > 0, 'a worker was killed during the load');
  t.ok(failures.length <= concurrency, `only requests in flight on the killed worker failed (${failures.length}: ${failures.join(', ')})`);

  await waitUntil('a replacement worker', () => node.listeningPids().length >= 3, 60_000);
  const replacement = node.listeningPids()[2] as number;
  t.ok(replacement !== first && replacement !== second && isAlive(replacement), 'a new worker listens');
  t.ok(Date.now() - killedAt < 60_000, `replaced in ${Date.now() - killedAt} ms`);
  t.equal(node.logs(/^worker died: starting a replacement$/).length, 1, 'the primary said why');
  const metrics = await getOnNewConnection(`${node.url}/metrics`);
  const text = 'body' in metrics ? metrics.body : '';
  t.equal(sample(text, 'jsrs_cluster_workers'), 2, 'two workers again');
  t.equal(sample(text, 'jsrs_cluster_worker_restarts_total'), 1, 'one restart counted');
  const after = await getOnNewConnection(`${node.url}/readyz`);
  t.ok('status' in after && after.status === 200, 'the node is ready');
});
