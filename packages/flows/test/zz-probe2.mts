import { createSqliteStore } from '../src/sqlite.ts';

console.log('opening');
const s = createSqliteStore({ path: '/tmp/hx/dd/verdict.db' });
console.log('opened');
setTimeout(async () => {
  console.log('err', s.maintenanceError?.message);
  await s.close();
}, 3000);
