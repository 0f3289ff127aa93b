// Throwaway certificates for TLS tests, made with openssl: a CA and leaf certificates it signs.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** Writes `<ca>.crt` / `<ca>.key` into `dir`: a self-signed CA valid for a day. */
export function makeCa(dir: string, ca = 'ca'): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=verdict-test-${ca}`,
    '-keyout',
    join(dir, `${ca}.key`),
    '-out',
    join(dir, `${ca}.crt`),
  );
}

/** Writes `<name>.crt` / `<name>.key` into `dir`, signed by `<ca>.crt`, with the given subject alternative names (`DNS:x`, `IP:y`). */
export function makeLeaf(dir: string, name: string, subjectAltNames: readonly string[] = [], ca = 'ca'): void {
  const file = (suffix: string) => join(dir, `${name}.${suffix}`);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', file('key'), '-out', file('csr'));
  const ext = subjectAltNames.length > 0 ? ['-extfile', file('ext')] : [];
  if (subjectAltNames.length > 0) writeFileSync(file('ext'), `subjectAltName=${subjectAltNames.join(',')}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    file('csr'),
    '-CA',
    join(dir, `${ca}.crt`),
    '-CAkey',
    join(dir, `${ca}.key`),
    '-CAcreateserial',
    '-days',
    '1',
    ...ext,
    '-out',
    file('crt'),
  );
}
