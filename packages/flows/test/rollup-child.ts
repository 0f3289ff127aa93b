// Child process for the SQLite roll-up crash test: opens the store at a fixed clock, says `rolling`,
// then rolls up until killed (or done, when it says `done`).
import { createSqliteStore } from '../src/sqlite.ts';

const [path, now] = process.argv.slice(2);
const store = createSqliteStore({ path: path!, now: () => Number(now), autoRollover: false });
process.stdout.write('rolling\n');
const steps = await store.rollUp();
process.stdout.write(`done ${steps}\n`);
await store.close();
