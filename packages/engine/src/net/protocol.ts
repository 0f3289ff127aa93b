// IP protocol names and numbers as Calico uses them (reference §1.8).

const NUMBERS: Readonly<Record<string, number>> = {
  tcp: 6,
  udp: 17,
  icmp: 1,
  icmpv6: 58,
  icmp6: 58,
  sctp: 132,
  udplite: 136,
  ipip: 4,
  esp: 50,
  gre: 47,
};

const NAMES: Readonly<Record<number, string>> = {
  6: 'TCP',
  17: 'UDP',
  1: 'ICMP',
  58: 'ICMPv6',
  132: 'SCTP',
  136: 'UDPLite',
};

/** Reads a protocol given by name (any case) or number (1–255, also as a numeric string). */
export function protocolNumber(protocol: string | number): number | undefined {
  // The spellings flows arrive in, without a regex or a lower-cased copy.
  if (protocol === 'TCP' || protocol === 'tcp') return 6;
  if (protocol === 'UDP' || protocol === 'udp') return 17;
  if (typeof protocol === 'number')
    return Number.isInteger(protocol) && protocol >= 0 && protocol <= 255 ? protocol : undefined;
  if (/^\d+$/.test(protocol)) return protocolNumber(Number(protocol));
  return NUMBERS[protocol.toLowerCase()];
}

/** Calico's display name (`TCP`, `ICMPv6`) or the number as a string. */
export function protocolName(protocol: number): string {
  return NAMES[protocol] ?? String(protocol);
}

/** Goldmane's flow-key form: `tcp`, `udp`, `icmp`, `icmp6`, `sctp`, or the number. */
export function goldmaneProtocol(protocol: number): string {
  if (protocol === 58) return 'icmp6';
  const name = NAMES[protocol];
  return name ? name.toLowerCase() : String(protocol);
}

export const PORT_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, 132]);
