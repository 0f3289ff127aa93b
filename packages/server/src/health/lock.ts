// An exclusive lock on the data folder: `verdict.lock` holds the owner's pid, host and address. A
// lock whose process is gone (kill -9, power loss) is taken over; a live one stops the second
// instance with a message naming the holder.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StartupError } from './startup.ts';

export interface DataLock {
  readonly path: string;
  /** Records where this instance serves, for the message a second instance prints. */
  describe(serving: string): void;
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  started: string;
  serving?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' ? (parsed as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock of `folder` or throws a StartupError naming who holds it. */
export function lockDataFolder(folder: string): DataLock {
  const path = join(folder, 'verdict.lock');
  const me: Holder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new StartupError(
          `${path}: cannot create the data folder lock (${code ?? (e as Error).message}); give Verdict a writable --data-dir`,
        );
      }
      const holder = readHolder(path);
      // Another host's lock on a shared folder cannot be checked: it is respected.
      if (holder && (holder.host !== me.host || alive(holder.pid))) {
        const where = holder.serving ? `, serving ${holder.serving}` : '';
        throw new StartupError(
          `${folder} is in use by verdict pid ${holder.pid} on ${holder.host} (since ${holder.started}${where}); stop it or give this one another --data-dir`,
        );
      }
      // Stale (its process is gone) or unreadable: take it over.
      try {
        unlinkSync(path);
      } catch {
        // Someone else took it over first; try again.
      }
      continue;
    }
    const write = (holder: Holder) => {
      const fd2 = openSync(path, 'w');
      try {
        writeSync(fd2, JSON.stringify(holder));
      } finally {
        closeSync(fd2);
      }
    };
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      try {
        if (readHolder(path)?.pid === me.pid) unlinkSync(path);
      } catch {
        // Already gone.
      }
    };
    process.on('exit', release);
    return {
      path,
      describe(serving) {
        if (!released) write({ ...me, serving });
      },
      release,
    };
  }
  throw new StartupError(`${path}: could not take the data folder lock; remove it if no Verdict is running`);
}
