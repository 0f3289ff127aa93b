// A start-up failure the operator can fix: one line naming the file and the fix, no stack trace.

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export function isStartupError(e: unknown): e is StartupError {
  return e instanceof StartupError;
}
