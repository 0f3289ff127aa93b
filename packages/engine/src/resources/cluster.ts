// Non-policy resources: namespaces, workloads, services, tiers, network sets, host endpoints.

import type {
  EndpointSlice,
  HostEndpoint,
  NamedPort,
  Namespace,
  NetworkSet,
  Pod,
  Service,
  ServiceAccount,
  ServicePort,
  Tier,
} from '../model.ts';
import { formatCidr, parseCidr, parseIp } from '../net/ip.ts';
import { readLabels } from './labels.ts';
import type { RawResource } from './meta.ts';
import { readMeta, sourceOf } from './meta.ts';
import { DNS_LABEL_RULE, DNS_SUBDOMAIN_RULE, isIanaServiceName } from './names.ts';
import { readK8sProtocol } from './ports.ts';
import type { Obj } from './read.ts';
import { asObj } from './read.ts';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A namespace as the API server stores it: with the automatic name label. */
export function namespaceWithLabel(name: string, labels: Record<string, string> = {}): Record<string, string> {
  return NAMESPACE_NAME_LABEL in labels ? labels : { ...labels, [NAMESPACE_NAME_LABEL]: name };
}

export function convertNamespace(res: RawResource): Namespace | undefined {
  const meta = readMeta(res, false, DNS_LABEL_RULE);
  if (!meta || res.root.r.errors > 0) return undefined;
  return { name: meta.name, labels: namespaceWithLabel(meta.name, meta.labels), source: sourceOf(res) };
}

function readIps(o: Obj | undefined, key: string, what: string): string[] {
  const out: string[] = [];
  if (!o) return out;
  for (const [i, ip] of (o.strList(key) ?? []).entries()) {
    if (parseIp(ip)) out.push(ip);
    else
      o.r.error(
        'invalid-value',
        [...o.at(key), i],
        `invalid ${what} ${JSON.stringify(ip)}; expected an IPv4 or IPv6 address`,
      );
  }
  return out;
}

export function convertPod(res: RawResource): Pod | undefined {
  const { root } = res;
  const r = root.r;
  const meta = readMeta(res, true, DNS_SUBDOMAIN_RULE);
  const spec = root.obj('spec');
  const status = root.obj('status');

  const ips: string[] = [];
  for (const item of status?.list('podIPs') ?? []) {
    const o = asObj(r, item.value, item.path, 'an object {ip}');
    const ip = o?.str('ip');
    if (ip === undefined) continue;
    if (parseIp(ip)) ips.push(ip);
    else
      r.error(
        'invalid-value',
        [...item.path, 'ip'],
        `invalid pod IP ${JSON.stringify(ip)}; expected an IPv4 or IPv6 address`,
      );
  }
  const podIP = status?.str('podIP');
  if (podIP) {
    if (!parseIp(podIP))
      r.error('invalid-value', status!.at('podIP'), `invalid pod IP ${JSON.stringify(podIP)}; expected an IP address`);
    else if (!ips.includes(podIP)) ips.unshift(podIP);
  }

  const ports: NamedPort[] = [];
  for (const c of spec?.list('containers') ?? []) {
    const container = asObj(r, c.value, c.path, 'a container');
    for (const p of container?.list('ports') ?? []) {
      const port = asObj(r, p.value, p.path, 'a container port');
      if (!port) continue;
      const name = port.str('name');
      const number = port.int('containerPort', 1, 65535, 'invalid-port');
      const protocol = readK8sProtocol(r, port.raw.protocol, port.at('protocol'));
      if (!name) continue;
      if (!isIanaServiceName(name)) {
        r.error(
          'invalid-port',
          port.at('name'),
          `invalid port name ${JSON.stringify(name)}; expected an IANA service name (1–15 lowercase letters, digits and "-", with a letter)`,
        );
        continue;
      }
      if (number === undefined) {
        if (!port.has('containerPort')) r.error('missing-field', port.at('containerPort'), 'containerPort is required');
        continue;
      }
      if (protocol !== undefined) ports.push({ name, protocol, port: number });
    }
  }

  const serviceAccount = spec?.str('serviceAccountName') || spec?.str('serviceAccount') || 'default';
  const nodeName = spec?.str('nodeName');
  const hostNetwork = spec?.bool('hostNetwork');
  const owner = podOwner(root);

  if (!meta || r.errors > 0) return undefined;
  return {
    namespace: meta.namespace ?? 'default',
    name: meta.name,
    labels: meta.labels,
    ips,
    serviceAccount,
    ports,
    ...(nodeName ? { nodeName } : {}),
    ...(hostNetwork !== undefined ? { hostNetwork } : {}),
    ...(owner ? { owner } : {}),
    source: sourceOf(res),
  };
}

/** The controller ownerReference's name (else the first), else metadata.generateName without its trailing "-". */
function podOwner(root: Obj): string | undefined {
  const meta = root.obj('metadata');
  const refs = (meta?.raw.ownerReferences ?? []) as unknown[];
  if (Array.isArray(refs)) {
    const objs = refs.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
    const ref = objs.find((x) => x.controller === true) ?? objs[0];
    if (ref && typeof ref.name === 'string' && ref.name) return ref.name;
  }
  const gen = meta?.raw.generateName;
  if (typeof gen === 'string' && gen) return gen.replace(/-$/, '');
  return undefined;
}

export function convertServiceAccount(res: RawResource): ServiceAccount | undefined {
  const meta = readMeta(res, true, DNS_SUBDOMAIN_RULE);
  if (!meta || res.root.r.errors > 0) return undefined;
  return { namespace: meta.namespace ?? 'default', name: meta.name, labels: meta.labels, source: sourceOf(res) };
}

export function convertService(res: RawResource): Service | undefined {
  const { root } = res;
  const r = root.r;
  const meta = readMeta(res, true, DNS_LABEL_RULE);
  const spec = root.obj('spec');
  const clusterIPs: string[] = [];
  const add = (ip: string, path: readonly (string | number)[]) => {
    if (ip === '' || ip === 'None') return;
    if (!parseIp(ip))
      r.error('invalid-value', path, `invalid clusterIP ${JSON.stringify(ip)}; expected an IP address or "None"`);
    else if (!clusterIPs.includes(ip)) clusterIPs.push(ip);
  };
  const single = spec?.str('clusterIP');
  if (single !== undefined) add(single, spec!.at('clusterIP'));
  for (const [i, ip] of (spec?.strList('clusterIPs') ?? []).entries()) add(ip, [...spec!.at('clusterIPs'), i]);
  const selector = spec?.has('selector') ? readLabels(r, spec.raw.selector, spec.at('selector')) : undefined;

  const ports: ServicePort[] = [];
  for (const item of spec?.list('ports') ?? []) {
    const p = asObj(r, item.value, item.path, 'a service port');
    if (!p) continue;
    const name = p.str('name') ?? '';
    const protocol = readK8sProtocol(r, p.raw.protocol, p.at('protocol'));
    if (!p.has('port')) r.error('missing-field', p.at('port'), 'port is required (1–65535)');
    const port = p.int('port', 1, 65535, 'invalid-port');
    const target = p.raw.targetPort;
    let targetPort: number | string | undefined = port;
    if (typeof target === 'number') targetPort = p.int('targetPort', 1, 65535, 'invalid-port');
    else if (typeof target === 'string') {
      if (/^[0-9]+$/.test(target)) targetPort = Number(target);
      else if (isIanaServiceName(target)) targetPort = target;
      else {
        r.error(
          'invalid-port',
          p.at('targetPort'),
          `invalid targetPort ${JSON.stringify(target)}; expected a number or a container port name`,
        );
        targetPort = undefined;
      }
    } else if (target !== undefined && target !== null) {
      r.error('wrong-type', p.at('targetPort'), 'targetPort must be a number or a port name');
    }
    if (protocol !== undefined && port !== undefined && targetPort !== undefined)
      ports.push({ name, protocol, port, targetPort });
  }
  if (!meta || r.errors > 0) return undefined;
  return {
    namespace: meta.namespace ?? 'default',
    name: meta.name,
    clusterIPs,
    ...(selector && Object.keys(selector).length > 0 ? { selector } : {}),
    ports,
    source: sourceOf(res),
  };
}

export function convertEndpointSlice(res: RawResource): EndpointSlice | undefined {
  const { root } = res;
  const r = root.r;
  const meta = readMeta(res, true, DNS_SUBDOMAIN_RULE);
  const addresses: string[] = [];
  // FQDN slices name hosts, not IPs; policy never matches them, so they contribute no addresses.
  const fqdn = root.str('addressType') === 'FQDN';
  for (const item of fqdn ? [] : (root.list('endpoints') ?? [])) {
    const e = asObj(r, item.value, item.path, 'an endpoint');
    if (!e) continue;
    // `ready: null` means ready (discovery.k8s.io/v1).
    const ready = e.obj('conditions')?.bool('ready') ?? true;
    const ips = readIps(e, 'addresses', 'endpoint address');
    if (ready) for (const ip of ips) if (!addresses.includes(ip)) addresses.push(ip);
  }
  const ports: { name: string; protocol: number; port?: number }[] = [];
  for (const item of root.list('ports') ?? []) {
    const p = asObj(r, item.value, item.path, 'an endpoint port');
    if (!p) continue;
    const protocol = readK8sProtocol(r, p.raw.protocol, p.at('protocol'));
    const port = p.int('port', 1, 65535, 'invalid-port');
    if (protocol !== undefined)
      ports.push({ name: p.str('name') ?? '', protocol, ...(port !== undefined ? { port } : {}) });
  }
  if (!meta || r.errors > 0) return undefined;
  return {
    namespace: meta.namespace ?? 'default',
    name: meta.name,
    serviceName: meta.labels['kubernetes.io/service-name'] ?? '',
    addresses,
    ports,
    source: sourceOf(res),
  };
}

/** Reserved tiers with fixed order and default action (§1.5). */
export const RESERVED_TIERS: Readonly<Record<string, { order: number; defaultAction: 'Deny' | 'Pass' }>> = {
  default: { order: 1_000_000, defaultAction: 'Deny' },
  adminnetworkpolicy: { order: 1000, defaultAction: 'Pass' },
  'kube-admin': { order: 1000, defaultAction: 'Pass' },
  baselineadminnetworkpolicy: { order: 10_000_000, defaultAction: 'Pass' },
  'kube-baseline': { order: 10_000_000, defaultAction: 'Pass' },
};

export function convertTier(res: RawResource): Tier | undefined {
  const { root } = res;
  const r = root.r;
  const meta = readMeta(res, false, DNS_LABEL_RULE);
  const spec = root.obj('spec');
  spec?.known(['order', 'defaultAction']);
  let order = spec?.num('order');
  const action = spec?.str('defaultAction');
  if (action !== undefined && action !== 'Deny' && action !== 'Pass') {
    r.error(
      'invalid-value',
      spec!.at('defaultAction'),
      `invalid defaultAction ${JSON.stringify(action)}; expected Deny or Pass`,
    );
  }
  let defaultAction: 'Deny' | 'Pass' = action === 'Pass' ? 'Pass' : 'Deny';
  const reserved = meta ? RESERVED_TIERS[meta.name] : undefined;
  if (reserved && meta) {
    if (order !== undefined && order !== reserved.order) {
      r.error(
        'invalid-value',
        spec!.at('order'),
        `tier ${meta.name} is reserved; its order must be ${reserved.order}, got ${order}`,
      );
    }
    if (action !== undefined && action !== reserved.defaultAction) {
      r.error(
        'invalid-value',
        spec!.at('defaultAction'),
        `tier ${meta.name} is reserved; its defaultAction must be ${reserved.defaultAction}, got ${action}`,
      );
    }
    order = reserved.order;
    defaultAction = reserved.defaultAction;
  }
  if (!meta || r.errors > 0) return undefined;
  return { name: meta.name, ...(order !== undefined ? { order } : {}), defaultAction, source: sourceOf(res) };
}

export function convertNetworkSet(res: RawResource, global: boolean): NetworkSet | undefined {
  const { root } = res;
  const r = root.r;
  const meta = readMeta(res, !global, DNS_SUBDOMAIN_RULE);
  const spec = root.obj('spec');
  spec?.known(['nets', 'allowedEgressDomains']);
  if (meta && 'projectcalico.org/namespace' in meta.labels) {
    r.error(
      'invalid-value',
      ['metadata', 'labels', 'projectcalico.org/namespace'],
      'the label projectcalico.org/namespace is reserved and may not be set on a network set',
    );
  }
  const nets: string[] = [];
  for (const [i, text] of (spec?.strList('nets') ?? []).entries()) {
    const c = parseCidr(text, true);
    if (c) nets.push(formatCidr(c));
    else
      r.error(
        'invalid-cidr',
        [...spec!.at('nets'), i],
        `invalid CIDR ${JSON.stringify(text)}; expected an IP address or CIDR such as 10.0.0.0/8`,
      );
  }
  const domains = spec?.strList('allowedEgressDomains');
  for (const [i, d] of (domains ?? []).entries()) {
    if (!isDomainPattern(d)) {
      r.error(
        'invalid-value',
        [...spec!.at('allowedEgressDomains'), i],
        `invalid domain ${JSON.stringify(d)}; expected a domain name with at most one "*" standing for a whole label, not the last`,
      );
    }
  }
  if (!meta || r.errors > 0) return undefined;
  return {
    ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
    name: meta.name,
    labels: meta.labels,
    nets,
    ...(domains ? { allowedEgressDomains: domains } : {}),
    source: sourceOf(res),
  };
}

function isDomainPattern(d: string): boolean {
  const labels = d.toLowerCase().split('.');
  if (labels.filter((l) => l === '*').length > 1 || labels[labels.length - 1] === '*') return false;
  return labels.every((l) => l === '*' || /^[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?$/.test(l));
}

export function convertHostEndpoint(res: RawResource): HostEndpoint | undefined {
  const { root } = res;
  const r = root.r;
  const meta = readMeta(res, false, DNS_SUBDOMAIN_RULE);
  const spec = root.obj('spec');
  spec?.known(['node', 'interfaceName', 'expectedIPs', 'profiles', 'ports']);
  const node = spec?.str('node');
  if (!node)
    r.error(
      'missing-field',
      spec?.at('node') ?? ['spec', 'node'],
      'spec.node is required (the node the host endpoint belongs to)',
    );
  const interfaceName = spec?.str('interfaceName') ?? '';
  if (interfaceName.length > 15)
    r.error(
      'invalid-value',
      spec!.at('interfaceName'),
      `interfaceName ${JSON.stringify(interfaceName)} is longer than 15 characters`,
    );
  const expectedIPs = readIps(spec, 'expectedIPs', 'expected IP');
  const writtenIPs = spec?.raw.expectedIPs;
  if (!interfaceName && !(Array.isArray(writtenIPs) && writtenIPs.length > 0)) {
    r.error(
      'missing-field',
      spec?.at('expectedIPs') ?? ['spec', 'expectedIPs'],
      'a host endpoint without interfaceName needs expectedIPs',
    );
  }
  const profiles = spec?.strList('profiles') ?? [];
  const ports: NamedPort[] = [];
  for (const item of spec?.list('ports') ?? []) {
    const p = asObj(r, item.value, item.path, 'a port {name, protocol, port}');
    if (!p) continue;
    p.known(['name', 'protocol', 'port']);
    const name = p.reqStr('name', 'an IANA service name');
    if (name !== undefined && !isIanaServiceName(name)) {
      r.error(
        'invalid-port',
        p.at('name'),
        `invalid port name ${JSON.stringify(name)}; expected 1–15 lowercase letters, digits and "-", with a letter`,
      );
    }
    if (!p.has('protocol')) r.error('missing-field', p.at('protocol'), 'protocol is required (TCP, UDP or SCTP)');
    const protocol = p.has('protocol') ? readK8sProtocol(r, p.raw.protocol, p.at('protocol')) : undefined;
    if (!p.has('port')) r.error('missing-field', p.at('port'), 'port is required (1–65535)');
    const port = p.int('port', 1, 65535, 'invalid-port');
    if (name !== undefined && protocol !== undefined && port !== undefined) ports.push({ name, protocol, port });
  }
  if (!meta || r.errors > 0 || !node) return undefined;
  return {
    name: meta.name,
    node,
    labels: meta.labels,
    interfaceName,
    expectedIPs,
    profiles,
    ports,
    source: sourceOf(res),
  };
}
