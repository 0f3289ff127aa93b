// Server credentials for the Goldmane gRPC port that follow their files: when a mounted Secret is
// rotated, new connections get the new certificate (and CA), while open streams keep their TLS
// session. Built on grpc-js's file-watcher certificate provider.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { StartupError } from './health/index.ts';

export interface GrpcTlsFiles {
  cert: string;
  key: string;
  /** With a CA, clients must present a certificate it signed (mutual TLS, as Felix does). */
  ca?: string;
  /** How often the files are read again. */
  reloadSeconds: number;
}

export interface ReloadingCredentials {
  credentials: grpc.ServerCredentials;
  /** Stops reading the files. */
  close(): void;
}

/**
 * Checks the files once (a StartupError names the setting of a file that cannot be read, or a key
 * that does not match its certificate), then serves whatever the files hold at each re-read. When a
 * re-read fails (a file missing or unreadable), grpc-js refuses new connections until the files are
 * whole again; `onReload` reports it.
 */
export async function reloadingServerCredentials(
  files: GrpcTlsFiles,
  onReload: (event: { ok: boolean; message: string }) => void,
): Promise<ReloadingCredentials> {
  const read = (path: string, setting: string) => {
    try {
      return readFileSync(path);
    } catch {
      throw new StartupError(`${setting}: cannot read ${path}`);
    }
  };
  const cert = read(files.cert, '--grpc-tls-cert');
  const key = read(files.key, '--grpc-tls-key');
  if (files.ca) read(files.ca, '--grpc-tls-ca');
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw new StartupError(
      `--grpc-tls-cert / --grpc-tls-key: ${files.cert} and ${files.key} do not make a key pair (${(e as Error).message})`,
    );
  }
  const provider = new grpc.experimental.FileWatcherCertificateProvider({
    certificateFile: files.cert,
    privateKeyFile: files.key,
    ...(files.ca ? { caCertificateFile: files.ca } : {}),
    refreshIntervalMs: files.reloadSeconds * 1000,
  });
  // Our own listener keeps the provider reading while the server runs and reports each change.
  let last: Buffer | null | undefined;
  let first: (() => void) | undefined;
  const firstRead = new Promise<void>((resolve) => {
    first = resolve;
  });
  const listener = (update: { certificate: Buffer } | null) => {
    first?.();
    first = undefined;
    const current = update?.certificate ?? null;
    if (last !== undefined && (current === null ? last === null : last !== null && current.equals(last))) return;
    const initial = last === undefined;
    last = current;
    if (initial && current !== null) return;
    onReload(
      current === null
        ? { ok: false, message: `cannot read ${files.cert} or ${files.key}; new gRPC connections are refused` }
        : { ok: true, message: `gRPC certificate reloaded from ${files.cert}` },
    );
  };
  provider.addIdentityCertificateListener(listener);
  await firstRead;
  // grpc-js's factory hands its first argument to the identity side and its second to the CA side; one
  // provider serves both, so the order cannot go wrong.
  const credentials = grpc.experimental.createCertificateProviderServerCredentials(
    provider,
    files.ca ? provider : null,
    files.ca !== undefined,
  );
  return { credentials, close: () => provider.removeIdentityCertificateListener(listener) };
}
