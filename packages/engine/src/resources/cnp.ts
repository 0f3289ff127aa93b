// ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2, network-policy-api v0.2.0) → PolicySpec,
// validated as the API server validates it (CRD schema and CEL, experimental channel; reference
// §15.1) and converted as Calico 3.32+ converts it (§8.1, §15.3).
//
// Calico cannot convert `nodes` and `domainNames` peers: the whole rule fails; a failed Deny or
// Pass rule becomes an unconditional Deny and a failed Accept rule is dropped. Calico does this
// silently; Verdict warns on the policy and marks the replacement rule so traces say why.

import type { Direction, EntitySpec, PolicySpec, RuleSpec } from '../model.ts';
import { formatCidr, parseCidr } from '../net/ip.ts';
import type { PortGroups } from './k8s.ts';
import { addToGroup, expandRule } from './k8s.ts';
import { labelSelectorTerms, namespaceSelectorText, ORCHESTRATOR_TERM, podSelectorText } from './labels.ts';
import type { RawResource } from './meta.ts';
import { readMeta, sourceOf } from './meta.ts';
import { DNS_SUBDOMAIN_RULE, isIanaServiceName } from './names.ts';
import type { Obj } from './read.ts';
import { asObj, isRecord, objAt } from './read.ts';
import type { Path } from './report.ts';
import { formatPath } from './report.ts';

/** CRD limits of v0.2.0. */
export const CNP_LIMITS = { rules: 25, peers: 25, networks: 25, domainNames: 25, protocols: 25, ruleName: 100 };

/** The Calico tier of each CNP tier (§15.3). */
export const CNP_TIERS = { Admin: 'kube-admin', Baseline: 'kube-baseline' } as const;

const ACTIONS = { Accept: 'Allow', Deny: 'Deny', Pass: 'Pass' } as const;
type CnpAction = keyof typeof ACTIONS;

/** `example.io` or `*.example.io`: `*` only as the first label. */
const DOMAIN_NAME =
  /^(\*\.)?([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?\.?$/;

const PROTOCOL_KEYS = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' } as const;

/** Converts one ClusterNetworkPolicy. Undefined when the API server would reject it. */
export function convertClusterNetworkPolicy(res: RawResource): PolicySpec | undefined {
  const r = res.root.r;
  const meta = readMeta(res, false, DNS_SUBDOMAIN_RULE);
  if (!res.root.has('spec')) r.error('missing-field', ['spec'], 'spec is required: {tier, priority, subject}');
  const spec = res.root.obj('spec') ?? objAt(r, {}, ['spec']);
  spec.known(['tier', 'priority', 'subject', 'ingress', 'egress']);

  const tierName = spec.reqStr('tier', 'Admin or Baseline');
  if (tierName !== undefined && !Object.hasOwn(CNP_TIERS, tierName)) {
    r.error('invalid-value', spec.at('tier'), `invalid tier ${JSON.stringify(tierName)}; expected Admin or Baseline`);
  }
  if (!spec.has('priority')) r.error('missing-field', spec.at('priority'), 'priority is required (an integer 0–1000)');
  const priority = spec.int('priority', 0, 1000);
  const subject = readSubject(spec);
  const ingress = convertRules(spec, 'ingress');
  const egress = convertRules(spec, 'egress');

  if (r.errors > 0 || !meta || !subject || priority === undefined || tierName === undefined) return undefined;
  // Calico's types: a direction counts only when it produced a rule; none at all is read by
  // Felix as both directions (the CNP still selects pods and leaves end-of-tier Pass hits).
  const types: Direction[] = [];
  if (ingress.length > 0) types.push('Ingress');
  if (egress.length > 0) types.push('Egress');
  if (types.length === 0) types.push('Ingress', 'Egress');
  return {
    kind: 'ClusterNetworkPolicy',
    name: meta.name,
    tier: CNP_TIERS[tierName as keyof typeof CNP_TIERS],
    order: priority,
    staged: false,
    selector: subject.selector ?? ORCHESTRATOR_TERM,
    namespaceSelector: subject.namespaceSelector ?? 'all()',
    types,
    ingress,
    egress,
    skipForWorkloads: false,
    original: res.root.raw,
    source: sourceOf(res),
  };
}

function readSubject(spec: Obj): EntitySpec | undefined {
  const r = spec.r;
  const subject = spec.obj('subject');
  if (!subject) {
    if (!spec.has('subject'))
      r.error(
        'missing-field',
        spec.at('subject'),
        'subject is required: {namespaces: <label selector>} or {pods: {namespaceSelector, podSelector}}',
      );
    return undefined;
  }
  subject.known(['namespaces', 'pods']);
  if (!exactlyOne(subject, ['namespaces', 'pods'], 'subject')) return undefined;
  const namespaces = subject.obj('namespaces');
  if (namespaces) {
    const terms = labelSelectorTerms(namespaces);
    return terms && { selector: ORCHESTRATOR_TERM, namespaceSelector: namespaceSelectorText(terms) };
  }
  return readPods(subject);
}

/** `{namespaceSelector?, podSelector}`: a missing namespace selector selects every namespace. */
function readPods(o: Obj): EntitySpec | undefined {
  const r = o.r;
  const pods = o.obj('pods');
  if (!pods) return undefined;
  pods.known(['namespaceSelector', 'podSelector']);
  const podSel = pods.obj('podSelector');
  if (!podSel) {
    r.error('missing-field', pods.at('podSelector'), 'pods.podSelector is required ({} selects every pod)');
    return undefined;
  }
  const nsSel = pods.obj('namespaceSelector');
  const podTerms = labelSelectorTerms(podSel);
  const nsTerms = nsSel ? labelSelectorTerms(nsSel) : [];
  if (!podTerms || !nsTerms) return undefined;
  return { selector: podSelectorText(podTerms), namespaceSelector: namespaceSelectorText(nsTerms) };
}

/** Reports unless exactly one of `keys` is set (the CRD's minProperties/maxProperties 1). */
function exactlyOne(o: Obj, keys: readonly string[], what: string): boolean {
  const set = keys.filter((k) => o.has(k));
  if (set.length === 1) return true;
  o.r.error(
    'invalid-value',
    o.path,
    set.length === 0
      ? `${what} needs one of ${keys.join(', ')}`
      : `${what} may set only one of ${keys.join(', ')}, got ${set.join(' and ')}`,
  );
  return false;
}

/** Why Calico cannot convert a rule (a `nodes` or `domainNames` peer). */
interface Failure {
  path: Path;
  message: string;
}

function convertRules(spec: Obj, key: 'ingress' | 'egress'): RuleSpec[] {
  const r = spec.r;
  const dir: Direction = key === 'ingress' ? 'Ingress' : 'Egress';
  const peersKey = key === 'ingress' ? 'from' : 'to';
  const out: RuleSpec[] = [];
  for (const item of spec.list(key, CNP_LIMITS.rules) ?? []) {
    const rule = asObj(r, item.value, item.path, `a ${key} rule {name, action, ${peersKey}, protocols}`);
    if (!rule) {
      if (item.value === null || item.value === undefined) r.error('wrong-type', item.path, `a ${key} rule is null`);
      continue;
    }
    rule.known(['name', 'action', peersKey, 'protocols']);
    const before = r.errors;
    const name = rule.str('name');
    if (name !== undefined && name.length > CNP_LIMITS.ruleName) {
      r.error('invalid-value', rule.at('name'), `a rule name may have at most ${CNP_LIMITS.ruleName} characters`);
    }
    const action = rule.reqStr('action', 'Accept, Deny or Pass');
    if (action !== undefined && !Object.hasOwn(ACTIONS, action)) {
      r.error(
        'invalid-value',
        rule.at('action'),
        `invalid action ${JSON.stringify(action)}; expected Accept, Deny or Pass`,
      );
    }
    const ports = readProtocols(rule);
    const peerItems = rule.list(peersKey, CNP_LIMITS.peers);
    if (!peerItems || peerItems.length === 0) {
      r.error('missing-field', rule.at(peersKey), `${peersKey} needs at least one peer (at most ${CNP_LIMITS.peers})`);
    }
    const peers: EntitySpec[] = [];
    const failures: Failure[] = [];
    for (const p of peerItems ?? []) {
      const peer = readPeer(rule, p.value, p.path, dir, failures);
      if (peer) peers.push(peer);
    }
    // Experimental CRD: no named port towards networks, nodes or domain names.
    const ipPeer = (peerItems ?? []).some(({ value }) => {
      return isRecord(value) && ['networks', 'nodes', 'domainNames'].some((k) => value[k] != null);
    });
    if (ports.hasNamedPort && dir === 'Egress' && ipPeer) {
      r.error(
        'invalid-rule',
        rule.at('protocols'),
        'destinationNamedPort cannot be used in a rule with a networks, nodes or domainNames peer',
      );
    }
    if (r.errors > before || action === undefined) continue;
    const path = formatPath(rule.path);
    const calicoAction = ACTIONS[action as CnpAction];
    const label = `${path}${name ? ` (${JSON.stringify(name)})` : ''}`;
    if (failures.length > 0) {
      const reasons = failures.map((f) => f.message).join('; ');
      const failClosed = calicoAction !== 'Allow';
      const effect = failClosed
        ? `Calico replaces the whole rule with an unconditional Deny: every ${key} flow of the selected pods that reaches it is denied`
        : 'Calico drops the whole rule: it allows nothing';
      for (const f of failures) {
        r.warn('unsupported-peer', f.path, `rule ${label}: ${f.message}. ${effect}`);
      }
      if (failClosed) {
        out.push({
          action: 'Deny',
          source: {},
          destination: {},
          ...(name !== undefined ? { name } : {}),
          path,
          failed: `Calico could not convert ${label} (${reasons}), so it replaced the rule with an unconditional Deny`,
        });
      }
      continue;
    }
    out.push(...expandRule(ports.groups, peers, dir, calicoAction, path, name));
  }
  return out;
}

function readPeer(rule: Obj, value: unknown, path: Path, dir: Direction, failures: Failure[]): EntitySpec | undefined {
  const r = rule.r;
  const keys = dir === 'Egress' ? ['namespaces', 'pods', 'networks', 'nodes', 'domainNames'] : ['namespaces', 'pods'];
  const o = asObj(r, value, path, `a peer with one of ${keys.join(', ')}`);
  if (!o) {
    if (value === null || value === undefined) r.error('invalid-rule', path, `a peer needs one of ${keys.join(', ')}`);
    return undefined;
  }
  o.known(keys);
  if (!exactlyOne(o, keys, 'a peer')) return undefined;
  const namespaces = o.obj('namespaces');
  if (namespaces) {
    const terms = labelSelectorTerms(namespaces);
    return terms && { namespaceSelector: namespaceSelectorText(terms) };
  }
  if (o.has('pods')) return readPods(o);
  if (o.has('networks')) return readNetworks(o);
  if (o.has('nodes')) {
    const nodes = o.obj('nodes');
    if (nodes) labelSelectorTerms(nodes);
    failures.push({ path: o.at('nodes'), message: 'nodes peers are not converted by Calico (3.32+)' });
    return undefined;
  }
  const domains = o.strList('domainNames', CNP_LIMITS.domainNames) ?? [];
  if (domains.length === 0) r.error('missing-field', o.at('domainNames'), 'domainNames needs at least one name');
  for (const [i, d] of domains.entries()) {
    if (!DOMAIN_NAME.test(d)) {
      r.error(
        'invalid-value',
        [...o.at('domainNames'), i],
        `invalid domain name ${JSON.stringify(d)}; expected a name such as example.io or *.example.io`,
      );
    }
  }
  failures.push({ path: o.at('domainNames'), message: 'domainNames peers are not converted by Calico (3.32+)' });
  return undefined;
}

function readNetworks(o: Obj): EntitySpec | undefined {
  const r = o.r;
  const list = o.strList('networks', CNP_LIMITS.networks) ?? [];
  if (list.length === 0) r.error('missing-field', o.at('networks'), 'networks needs at least one CIDR');
  const nets: string[] = [];
  const seen = new Set<string>();
  for (const [i, text] of list.entries()) {
    const at = [...o.at('networks'), i];
    if (seen.has(text)) r.error('duplicate', at, `networks is a set; ${JSON.stringify(text)} appears twice`);
    seen.add(text);
    if (text.length > 43) r.error('invalid-cidr', at, `a network may have at most 43 characters, got ${text.length}`);
    const cidr = text.includes('/') ? parseCidr(text, false) : undefined;
    if (cidr) nets.push(formatCidr(cidr));
    else {
      r.error('invalid-cidr', at, `invalid CIDR ${JSON.stringify(text)}; expected address/prefix such as 10.0.0.0/8`);
    }
  }
  return { nets };
}

interface Ports {
  groups: PortGroups;
  hasNamedPort: boolean;
}

/** `protocols`: grouped by protocol for expansion; named ports go in the protocol-less group. */
function readProtocols(rule: Obj): Ports {
  const r = rule.r;
  const groups: PortGroups = new Map();
  let hasNamedPort = false;
  const items = rule.list('protocols', CNP_LIMITS.protocols);
  if (items?.length === 0)
    r.error('missing-field', rule.at('protocols'), 'protocols needs at least one entry when set');
  for (const item of items ?? []) {
    const o = asObj(r, item.value, item.path, 'a protocol entry {tcp}, {udp}, {sctp} or {destinationNamedPort}');
    if (!o) continue;
    const keys = ['tcp', 'udp', 'sctp', 'destinationNamedPort'];
    o.known(keys);
    if (!exactlyOne(o, keys, 'a protocol entry')) continue;
    const named = o.str('destinationNamedPort');
    if (named !== undefined) {
      hasNamedPort = true;
      if (isIanaServiceName(named)) addToGroup(groups, '', { name: named });
      else
        r.error(
          'invalid-port',
          o.at('destinationNamedPort'),
          `invalid port name ${JSON.stringify(named)}; expected an IANA service name (1–15 lowercase letters, digits and "-", with a letter)`,
        );
      continue;
    }
    for (const [key, proto] of Object.entries(PROTOCOL_KEYS)) {
      const p = o.obj(key);
      if (!p) continue;
      p.known(['destinationPort']);
      const port = p.obj('destinationPort');
      if (!port) {
        r.error('missing-field', p.at('destinationPort'), `${key}.destinationPort is required: {number} or {range}`);
        continue;
      }
      port.known(['number', 'range']);
      if (!exactlyOne(port, ['number', 'range'], `${key}.destinationPort`)) continue;
      if (port.has('number')) {
        const n = port.int('number', 1, 65535, 'invalid-port');
        if (n !== undefined) addToGroup(groups, proto, { min: n, max: n });
        continue;
      }
      const range = port.obj('range');
      if (!range) continue;
      range.known(['start', 'end']);
      for (const k of ['start', 'end']) {
        if (!range.has(k)) r.error('missing-field', range.at(k), `range.${k} is required (1–65535)`);
      }
      const start = range.int('start', 1, 65535, 'invalid-port');
      const end = range.int('end', 1, 65535, 'invalid-port');
      if (start !== undefined && end !== undefined && start >= end) {
        r.error('invalid-port', range.at('end'), `range start ${start} must be below end ${end}`);
      } else if (start !== undefined && end !== undefined) {
        addToGroup(groups, proto, { min: start, max: end });
      }
    }
  }
  if (!items || items.length === 0) groups.set('', null);
  return { groups, hasNamedPort };
}
