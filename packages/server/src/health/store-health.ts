// Whether the flow store can take writes, and why not: a damaged file, a full disk, a read-only
// folder or an I/O error, each with a message naming the file and what to do.

export type StoreFaultCode = 'corrupt' | 'disk-full' | 'read-only' | 'io-error';

export interface StoreFault {
  code: StoreFaultCode;
  /** One line naming the file, the cause and the fix. */
  message: string;
}

/** Thrown to submitters while the store refuses writes: nothing of the batch was stored. */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
  constructor(readonly fault: StoreFault) {
    super(fault.message);
  }
}

const sqliteCode = (e: unknown): string =>
  typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : '';

/** True for errors SQLite raises about the file itself (not about a query). */
export function isStorageError(e: unknown): boolean {
  const code = sqliteCode(e);
  return (
    /^SQLITE_(FULL|CORRUPT|NOTADB|IOERR|READONLY|CANTOPEN|PERM)/.test(code) || /^(ENOSPC|EROFS|EACCES)$/.test(code)
  );
}

/** What a storage error means for `file`; undefined for errors that are not about the file. */
export function classifyStorageError(e: unknown, file: string): StoreFault | undefined {
  const code = sqliteCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC') {
    return {
      code: 'disk-full',
      message: `${file}: the disk is full (${detail}); writes are refused until space is freed, then resume by themselves`,
    };
  }
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) return corruptFault(file, detail);
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM') || code === 'EROFS' || code === 'EACCES') {
    return {
      code: 'read-only',
      message: `${file}: cannot write (${detail}); give Verdict a writable --data-dir (or --db)`,
    };
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) {
    return { code: 'io-error', message: `${file}: I/O error (${detail}); run "verdict db check ${file}"` };
  }
  return undefined;
}

export function corruptFault(file: string, detail: string): StoreFault {
  return {
    code: 'corrupt',
    message: `${file} is damaged (${detail}); writes are refused. Stop Verdict, run "verdict db check ${file}", then restore a backup of it or run "verdict db repair ${file}"`,
  };
}

export interface StoreHealth {
  /** Why writes are refused now, if they are. */
  fault(): StoreFault | undefined;
  /** Records a failed store call; returns its fault when it was about the file. */
  failed(e: unknown): StoreFault | undefined;
  /** A write went through: a full disk or an I/O error is over (damage stays until restart). */
  succeeded(): void;
  /** Sets a fault found outside a store call (the start-up quick check). */
  set(fault: StoreFault): void;
}

/** `quickCheck` is run after an I/O error to tell a passing fault from damage. */
export function createStoreHealth(file: string, quickCheck?: () => string[]): StoreHealth {
  let current: StoreFault | undefined;
  return {
    fault: () => current,
    failed(e) {
      let fault = classifyStorageError(e, file);
      if (fault === undefined) return undefined;
      if (fault.code === 'io-error' && quickCheck) {
        try {
          const problems = quickCheck();
          if (problems.length > 0) fault = corruptFault(file, problems[0] as string);
        } catch (checkError) {
          fault = classifyStorageError(checkError, file) ?? fault;
        }
      }
      if (current?.code !== 'corrupt') current = fault;
      return current;
    },
    succeeded() {
      if (current && current.code !== 'corrupt') current = undefined;
    },
    set(fault) {
      current = fault;
    },
  };
}
