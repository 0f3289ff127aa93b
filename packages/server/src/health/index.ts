export type { DataLock } from './lock.ts';
export { lockDataFolder } from './lock.ts';
export { isStartupError, StartupError } from './startup.ts';
export type { StoreFault, StoreFaultCode, StoreHealth } from './store-health.ts';
export {
  classifyStorageError,
  corruptFault,
  createStoreHealth,
  isStorageError,
  StoreUnavailable,
} from './store-health.ts';
