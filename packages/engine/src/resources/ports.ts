// Protocols and ports (reference §1.8, §1.13).

import type { PortMatch } from '../model.ts';
import type { Path, Reporter } from './report.ts';
import { describe } from './report.ts';

export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  TCP: 6,
  UDP: 17,
  ICMP: 1,
  ICMPv6: 58,
  SCTP: 132,
  UDPLite: 136,
};

/** Protocols that have ports. */
export const PORT_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, 132]);

/** Kubernetes protocols (container ports, NetworkPolicy, Service): exact case. */
export const K8S_PROTOCOLS: Readonly<Record<string, number>> = { TCP: 6, UDP: 17, SCTP: 132 };

const CALICO_PROTOCOL_HELP = 'one of TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite (exact case) or a number 1–255';

/** A Calico protocol: a name, a number 1–255 or a numeric string such as "6". */
export function readCalicoProtocol(r: Reporter, value: unknown, path: Path): number | undefined {
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) value = Number(value);
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1 && value <= 255) return value;
    r.error('invalid-protocol', path, `invalid protocol ${value}; expected ${CALICO_PROTOCOL_HELP}`);
    return undefined;
  }
  if (typeof value === 'string') {
    const n = PROTOCOL_NUMBERS[value];
    if (n !== undefined) return n;
    const exact = Object.keys(PROTOCOL_NUMBERS).find((k) => k.toLowerCase() === value.toLowerCase());
    const hint = exact ? ` (did you mean ${exact}?)` : '';
    r.error(
      'invalid-protocol',
      path,
      `invalid protocol ${JSON.stringify(value)}${hint}; expected ${CALICO_PROTOCOL_HELP}`,
    );
    return undefined;
  }
  r.error('wrong-type', path, `protocol must be a name or a number, got ${describe(value)}`);
  return undefined;
}

/** A Kubernetes protocol name (TCP, UDP, SCTP); `fallback` when absent. */
export function readK8sProtocol(r: Reporter, value: unknown, path: Path, fallback = 6): number | undefined {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') {
    const n = K8S_PROTOCOLS[value];
    if (n !== undefined) return n;
  }
  r.error('invalid-protocol', path, `invalid protocol ${describe(value)}; expected TCP, UDP or SCTP`);
  return undefined;
}

export const protocolName = (n: number): string =>
  Object.entries(PROTOCOL_NUMBERS).find(([, v]) => v === n)?.[0] ?? String(n);

const NAMED_PORT = /^[a-zA-Z0-9_.-]{1,128}$/;

const portNumber = (s: string): number | undefined => {
  const n = Number(s);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
};

/** A Calico port: an integer, a digit string, `"min:max"` or a port name. */
export function readCalicoPort(r: Reporter, value: unknown, path: Path): PortMatch | undefined {
  const help = 'a port 1–65535, a range "min:max" or a port name';
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1 && value <= 65535) return { min: value, max: value };
    r.error('invalid-port', path, `invalid port ${value}; expected ${help}`);
    return undefined;
  }
  if (typeof value !== 'string') {
    r.error('wrong-type', path, `port must be a number or a string, got ${describe(value)}`);
    return undefined;
  }
  if (/^[0-9]+$/.test(value)) {
    const n = portNumber(value);
    if (n !== undefined) return { min: n, max: n };
    r.error('invalid-port', path, `invalid port ${value}; expected ${help}`);
    return undefined;
  }
  const range = /^([0-9]+):([0-9]+)$/.exec(value);
  if (range) {
    const min = portNumber(range[1] ?? '');
    const max = portNumber(range[2] ?? '');
    if (min === undefined || max === undefined) {
      r.error('invalid-port', path, `invalid port range ${JSON.stringify(value)}; both ends must be 1–65535`);
      return undefined;
    }
    if (min > max) {
      r.error('invalid-port', path, `reversed port range ${JSON.stringify(value)}; expected min ≤ max`);
      return undefined;
    }
    return { min, max };
  }
  if (NAMED_PORT.test(value)) return { name: value };
  r.error(
    'invalid-port',
    path,
    `invalid port ${JSON.stringify(value)}; expected ${help} (names use [a-zA-Z0-9_.-], 1–128 chars)`,
  );
  return undefined;
}
