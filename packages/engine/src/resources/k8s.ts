// Kubernetes NetworkPolicy and StagedKubernetesNetworkPolicy → PolicySpec, exactly as Calico's
// converter does it (reference §7): selector text, peer and port conversion, rule expansion order.

import type { Direction, EntitySpec, PolicySpec, PortMatch, RuleSpec } from '../model.ts';
import { cidrCovers, formatCidr, parseCidr } from '../net/ip.ts';
import { checkDeleteSpec, readStagedAction, readTypes } from './calico.ts';
import {
  byteCompare,
  labelSelectorTerms,
  namespaceSelectorText,
  ORCHESTRATOR_TERM,
  podSelectorText,
} from './labels.ts';
import type { RawResource } from './meta.ts';
import { readMeta, sourceOf } from './meta.ts';
import { DNS_SUBDOMAIN_RULE, isIanaServiceName } from './names.ts';
import { K8S_PROTOCOLS, readK8sProtocol } from './ports.ts';
import type { Obj } from './read.ts';
import { asObj, objAt } from './read.ts';
import { formatPath } from './report.ts';

/** Ports grouped by protocol name; `null` = every port of that protocol; key '' = no ports at all. */
export type PortGroups = Map<string, PortMatch[] | null>;

/** Converts a k8s NetworkPolicy (`staged` false) or a StagedKubernetesNetworkPolicy. */
export function convertK8sPolicy(res: RawResource, staged: boolean): PolicySpec | undefined {
  const r = res.root.r;
  const meta = readMeta(res, true, DNS_SUBDOMAIN_RULE);
  const spec = res.root.obj('spec') ?? objAt(r, {}, ['spec']);
  const fields = ['podSelector', 'policyTypes', 'ingress', 'egress'];
  spec.known(staged ? [...fields, 'stagedAction'] : fields);

  const stagedAction = staged ? readStagedAction(spec) : undefined;
  const base = {
    kind: staged ? ('StagedKubernetesNetworkPolicy' as const) : ('KubernetesNetworkPolicy' as const),
    name: meta?.name ?? '',
    namespace: meta?.namespace ?? 'default',
    tier: 'default',
    order: 1000,
    staged,
    ...(staged && stagedAction ? { stagedAction } : {}),
    original: res.root.raw,
    source: sourceOf(res),
  };
  if (stagedAction === 'Delete') {
    checkDeleteSpec(spec, ['stagedAction'], 'stagedAction');
    if (r.errors > 0 || !meta) return undefined;
    return { ...base, selector: podSelectorText([]), types: [], ingress: [], egress: [], skipForWorkloads: false };
  }

  // `podSelector: null` (or absent) is `{}`, as the API server reads it.
  const podSelector = spec.obj('podSelector');
  const terms = podSelector ? labelSelectorTerms(podSelector) : [];
  const ingress = convertRules(spec, 'ingress');
  const egress = convertRules(spec, 'egress');
  const hasEgressRules = Array.isArray(spec.raw.egress) && spec.raw.egress.length > 0;
  // k8s NP: what the API server stores; SKNP: nothing defaults it, and the converter yields [Ingress] (§1.4, §12.15).
  const types: Direction[] =
    readTypes(spec, 'policyTypes') ?? (staged || !hasEgressRules ? ['Ingress'] : ['Ingress', 'Egress']);

  if (r.errors > 0 || !meta || !terms) return undefined;
  return { ...base, selector: podSelectorText(terms), types, ingress, egress, skipForWorkloads: false };
}

function convertRules(spec: Obj, key: 'ingress' | 'egress'): RuleSpec[] {
  const r = spec.r;
  const peersKey = key === 'ingress' ? 'from' : 'to';
  const out: RuleSpec[] = [];
  for (const item of spec.list(key) ?? []) {
    const rule = asObj(r, item.value, item.path, `a ${key} rule {${peersKey}, ports}`) ?? objAt(r, {}, item.path);
    rule.known([peersKey, 'ports']);
    const before = r.errors;
    const groups = readK8sPorts(rule);
    const peers: EntitySpec[] = [];
    for (const p of rule.list(peersKey) ?? []) {
      const peer = readPeer(rule, p.value, p.path);
      if (peer) peers.push(peer);
    }
    if (r.errors > before) continue;
    out.push(...expandRule(groups, peers, key === 'ingress' ? 'Ingress' : 'Egress', 'Allow', formatPath(rule.path)));
  }
  return out;
}

/**
 * One rule per (protocol group × peer), protocols sorted outer and peers inner (§7); no peers
 * means one rule per group with no peer constraint. Ingress peers go to `source`, egress peers
 * and all ports to `destination`.
 */
export function expandRule(
  groups: PortGroups,
  peers: readonly EntitySpec[],
  dir: Direction,
  action: 'Allow' | 'Deny' | 'Pass',
  path: string,
  name?: string,
): RuleSpec[] {
  const out: RuleSpec[] = [];
  const protocols = [...groups.keys()].sort(byteCompare);
  for (const proto of protocols) {
    const ports = groups.get(proto);
    const portFields: EntitySpec = ports ? { ports } : {};
    for (const peer of peers.length > 0 ? peers : [{}]) {
      const protocol = proto === '' ? undefined : (K8S_PROTOCOLS[proto] ?? Number(proto));
      out.push({
        action,
        ...(protocol !== undefined ? { protocol } : {}),
        source: dir === 'Ingress' ? { ...peer } : {},
        destination: dir === 'Ingress' ? { ...portFields } : { ...peer, ...portFields },
        ...(name !== undefined ? { name } : {}),
        path,
      });
    }
  }
  return out;
}

/** Adds `port` (or "all ports" when null) to the group of `proto`; "all ports" is never narrowed again. */
export function addToGroup(groups: PortGroups, proto: string, port: PortMatch | null): void {
  const existing = groups.get(proto);
  if (port === null) groups.set(proto, null);
  else if (existing === undefined) groups.set(proto, [port]);
  else if (existing !== null) existing.push(port);
}

function readK8sPorts(rule: Obj): PortGroups {
  const r = rule.r;
  const groups: PortGroups = new Map();
  const items = rule.list('ports') ?? [];
  for (const item of items) {
    const o = asObj(r, item.value, item.path, 'a port {protocol, port, endPort}') ?? objAt(r, {}, item.path);
    o.known(['protocol', 'port', 'endPort']);
    const proto = readK8sProtocol(r, o.raw.protocol, o.at('protocol'));
    const port = o.raw.port;
    const endPort = o.int('endPort', 1, 65535, 'invalid-port');
    let match: PortMatch | null | undefined;
    if (port === undefined || port === null) {
      match = null;
      if (o.has('endPort')) r.error('invalid-port', o.at('endPort'), 'endPort needs a numeric port');
    } else if (typeof port === 'number') {
      match = o.int('port', 1, 65535, 'invalid-port') !== undefined ? { min: port, max: endPort ?? port } : undefined;
      if (endPort !== undefined && endPort < port) {
        r.error('invalid-port', o.at('endPort'), `endPort ${endPort} is below port ${port}; expected endPort ≥ port`);
        match = undefined;
      }
    } else if (typeof port === 'string') {
      if (isIanaServiceName(port)) match = { name: port };
      else {
        const hint = /^[0-9]+$/.test(port) ? ` (write ${port} without quotes for a port number)` : '';
        r.error(
          'invalid-port',
          o.at('port'),
          `invalid port name ${JSON.stringify(port)}${hint}; expected a number 1–65535 or an IANA service name (1–15 lowercase letters, digits and "-", with a letter)`,
        );
      }
      if (o.has('endPort')) r.error('invalid-port', o.at('endPort'), 'endPort cannot be used with a named port');
    } else {
      r.error('wrong-type', o.at('port'), 'port must be a number or a port name');
    }
    if (proto === undefined || match === undefined) continue;
    const protoName = Object.keys(K8S_PROTOCOLS).find((k) => K8S_PROTOCOLS[k] === proto) ?? 'TCP';
    addToGroup(groups, protoName, match);
  }
  if (items.length === 0) groups.set('', null);
  return groups;
}

function readPeer(rule: Obj, value: unknown, path: readonly (string | number)[]): EntitySpec | undefined {
  const r = rule.r;
  const o = asObj(r, value, path, 'a peer {podSelector, namespaceSelector, ipBlock}');
  if (!o) {
    r.error('invalid-rule', path, 'a peer needs podSelector, namespaceSelector or ipBlock');
    return undefined;
  }
  o.known(['podSelector', 'namespaceSelector', 'ipBlock']);
  const ipBlock = o.obj('ipBlock');
  const pod = o.obj('podSelector');
  const ns = o.obj('namespaceSelector');
  if (!ipBlock && !pod && !ns) {
    r.error(
      'invalid-rule',
      path,
      'a peer needs podSelector, namespaceSelector or ipBlock; an empty peer is not allowed',
    );
    return undefined;
  }
  if (ipBlock) {
    if (pod || ns) {
      r.error(
        'invalid-rule',
        path,
        'ipBlock cannot be combined with podSelector or namespaceSelector in one peer; use separate peers',
      );
      return undefined;
    }
    return readIpBlock(ipBlock);
  }
  const podTerms = pod ? labelSelectorTerms(pod) : [];
  const nsTerms = ns ? labelSelectorTerms(ns) : [];
  if (!podTerms || !nsTerms) return undefined;
  return {
    selector: pod ? podSelectorText(podTerms) : ORCHESTRATOR_TERM,
    ...(ns ? { namespaceSelector: namespaceSelectorText(nsTerms) } : {}),
  };
}

function readIpBlock(o: Obj): EntitySpec | undefined {
  const r = o.r;
  o.known(['cidr', 'except']);
  const text = o.reqStr('cidr', 'a CIDR such as 10.0.0.0/16');
  if (text === undefined) return undefined;
  const cidr = parseCidr(text, false);
  if (!cidr) {
    r.error(
      'invalid-cidr',
      o.at('cidr'),
      `invalid CIDR ${JSON.stringify(text)}; expected address/prefix such as 10.0.0.0/16`,
    );
    return undefined;
  }
  const except: string[] = [];
  for (const [i, e] of (o.strList('except') ?? []).entries()) {
    const at = [...o.at('except'), i];
    const c = parseCidr(e, false);
    if (!c) r.error('invalid-cidr', at, `invalid CIDR ${JSON.stringify(e)}; expected address/prefix`);
    else if (!cidrCovers(cidr, c) || c.prefix === cidr.prefix) {
      r.error('invalid-cidr', at, `except ${e} must be a strict subset of cidr ${formatCidr(cidr)}`);
    } else except.push(formatCidr(c));
  }
  return { nets: [formatCidr(cidr)], ...(except.length > 0 ? { notNets: except } : {}) };
}
