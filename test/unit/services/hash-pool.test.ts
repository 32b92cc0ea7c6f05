// The bcrypt pool is sized for the node, not per process: WORKERS processes share its threads.

import t from 'tap';
import { hashPoolPerProcess } from '../../../src/services/index.js';

const config = (workers: number, passwordHashPoolSize: number) => ({ workers, security: { passwordHashPoolSize } }) as Parameters<typeof hashPoolPerProcess>[0];

t.test('the node pool is divided among the workers', async (t) => {
  t.equal(hashPoolPerProcess(config(1, 0), 8), 8, 'one process: one thread per core');
  t.equal(hashPoolPerProcess(config(4, 0), 8), 2, 'four workers on 8 cores: two threads each');
  t.equal(hashPoolPerProcess(config(2, 0), 2), 1, 'two workers on 2 cores: one each');
  t.equal(hashPoolPerProcess(config(3, 0), 2), 1, 'never below one thread');
  t.equal(hashPoolPerProcess(config(2, 6), 64), 3, 'PASSWORD_HASH_POOL_SIZE is the node total');
  t.equal(hashPoolPerProcess(config(4, 6), 64), 2, 'rounded up');
});
