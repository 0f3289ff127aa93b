// The bearer-token file of `--auth-token-file`: one `<token> <read|write> [name]` per line, `#`
// comments and blank lines ignored. Tokens are kept only as SHA-256 digests and compared in constant
// time; the file is re-read when it changes (a Kubernetes Secret update swaps a symlink, which stat sees).
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export type Role = 'read' | 'write';

export const ROLES: readonly Role[] = ['read', 'write'];

/** Shorter tokens are refused: a token must not be guessable. */
export const MIN_TOKEN_LENGTH = 16;

export interface TokenEntry {
  /** SHA-256 of the token. */
  digest: Buffer;
  role: Role;
  /** The name after the role, or `token <line>`; for logs and the UI, never the token. */
  name: string;
}

/** A line of the file that does not parse, with where and why (never the token itself). */
export class TokenFileError extends Error {
  override readonly name = 'TokenFileError';
}

export const digestOf = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** Parses the file's text; throws a TokenFileError naming the file and line of the first problem. */
export function parseTokenFile(text: string, path: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const [token = '', role = 'read', ...name] = line.split(/\s+/);
    const where = `${path}:${index + 1}`;
    if (token.length < MIN_TOKEN_LENGTH)
      throw new TokenFileError(
        `${where}: a token must be at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 32)`,
      );
    if (!ROLES.includes(role as Role))
      throw new TokenFileError(
        `${where}: expected the role read or write after the token, got ${JSON.stringify(role)}`,
      );
    const digest = digestOf(token);
    const hex = digest.toString('hex');
    if (seen.has(hex)) throw new TokenFileError(`${where}: the same token is listed twice`);
    seen.add(hex);
    entries.push({ digest, role: role as Role, name: name.join(' ') || `token ${index + 1}` });
  });
  if (entries.length === 0)
    throw new TokenFileError(
      `${path}: no tokens; add a line "<token> <read|write> [name]" (e.g. from openssl rand -hex 32)`,
    );
  return entries;
}

export interface TokenFile {
  /** The entry whose token is `presented`, compared against every entry in constant time. */
  match(presented: string): TokenEntry | undefined;
  /** The current entry with this digest (a session's token may have been removed or changed role). */
  byDigest(digest: Buffer): TokenEntry | undefined;
}

export interface TokenFileOptions {
  /** How often, at most, the file's identity (inode, size, mtime) is checked for a change; default 1 s. */
  checkEveryMs?: number;
  /** A changed file that does not parse keeps the previous tokens; this is told why. */
  onReloadError?: (message: string) => void;
  onReload?: (count: number) => void;
}

/** Reads the file now (throws TokenFileError when it is unreadable or invalid), then follows its changes. */
export function openTokenFile(path: string, options: TokenFileOptions = {}): TokenFile {
  const checkEveryMs = options.checkEveryMs ?? 1000;
  const identity = () => {
    const stat = statSync(path);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  };
  const read = (): { entries: TokenEntry[]; version: string } => {
    let version: string;
    let text: string;
    try {
      version = identity();
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new TokenFileError(`${path}: cannot read the token file (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
    return { entries: parseTokenFile(text, path), version };
  };
  let current = read();
  let checkedAt = Date.now();
  const fresh = (): TokenEntry[] => {
    const now = Date.now();
    if (now - checkedAt < checkEveryMs) return current.entries;
    checkedAt = now;
    let version: string;
    try {
      version = identity();
    } catch (e) {
      options.onReloadError?.(
        `${path}: cannot read the token file (${(e as NodeJS.ErrnoException).code ?? e}); the previous tokens stay in force`,
      );
      return current.entries;
    }
    if (version === current.version) return current.entries;
    try {
      current = read();
      options.onReload?.(current.entries.length);
    } catch (e) {
      current = { ...current, version };
      options.onReloadError?.(`${(e as Error).message}; the previous tokens stay in force`);
    }
    return current.entries;
  };
  return {
    match(presented) {
      const digest = digestOf(presented);
      let found: TokenEntry | undefined;
      // Every entry is compared, so the time taken does not say which one (or how much of one) matched.
      for (const entry of fresh()) if (timingSafeEqual(entry.digest, digest) && !found) found = entry;
      return found;
    },
    byDigest(digest) {
      return fresh().find((entry) => entry.digest.equals(digest));
    },
  };
}
