// AdminNetworkPolicy / BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) → PolicySpec
// (reference §8.2, with §8.1's subject/peer conversion).
//
// Deviation from upstream Calico: a `namedPort` is kept as a named PortMatch with no protocol
// (resolved against the destination pod) instead of collapsing the rule's ports to "any".

import type { Direction, EntitySpec, PolicySpec, RuleSpec } from '../model.ts';
import { formatCidr, parseCidr } from '../net/ip.ts';
import type { PortGroups } from './k8s.ts';
import { addToGroup, expandRule } from './k8s.ts';
import { labelSelectorTerms, namespaceSelectorText, ORCHESTRATOR_TERM, podSelectorText } from './labels.ts';
import type { RawResource } from './meta.ts';
import { readMeta, sourceOf } from './meta.ts';
import type { NameRule } from './names.ts';
import { DNS_SUBDOMAIN_RULE, isIanaServiceName } from './names.ts';
import { K8S_PROTOCOLS, readK8sProtocol } from './ports.ts';
import type { Obj } from './read.ts';
import { asObj, objAt } from './read.ts';
import { formatPath } from './report.ts';

const MAX_RULES = 100;
const BANP_NAME_RULE: NameRule = [
  (s) => s === 'default',
  'the name "default" (BaselineAdminNetworkPolicy is a singleton)',
];

/** Converts an ANP (`baseline` false) or the BANP. Undefined when the resource has errors. */
export function convertAdminPolicy(res: RawResource, baseline: boolean): PolicySpec | undefined {
  const r = res.root.r;
  const meta = readMeta(res, false, baseline ? BANP_NAME_RULE : DNS_SUBDOMAIN_RULE);
  const spec = res.root.obj('spec') ?? objAt(r, {}, ['spec']);
  spec.known(baseline ? ['subject', 'ingress', 'egress'] : ['priority', 'subject', 'ingress', 'egress']);

  let priority: number | undefined;
  if (!baseline) {
    if (!spec.has('priority'))
      r.error('missing-field', spec.at('priority'), 'priority is required (an integer 0–1000)');
    priority = spec.int('priority', 0, 1000);
  }
  const subject = readSubject(spec);
  const actions = baseline ? ['Allow', 'Deny'] : ['Allow', 'Deny', 'Pass'];
  const ingress = convertRules(spec, 'ingress', actions, baseline);
  const egress = convertRules(spec, 'egress', actions, baseline);
  const types: Direction[] = [];
  if (ingress.length > 0) types.push('Ingress');
  if (egress.length > 0) types.push('Egress');

  if (r.errors > 0 || !meta || !subject) return undefined;
  return {
    kind: baseline ? 'BaselineAdminNetworkPolicy' : 'AdminNetworkPolicy',
    name: meta.name,
    tier: baseline ? 'baselineadminnetworkpolicy' : 'adminnetworkpolicy',
    order: baseline ? 1000 : (priority ?? 0),
    staged: false,
    selector: subject.selector,
    namespaceSelector: subject.namespaceSelector,
    types,
    ingress,
    egress,
    skipForWorkloads: false,
    original: res.root.raw,
    source: sourceOf(res),
  };
}

function readSubject(spec: Obj): { selector: string; namespaceSelector: string } | undefined {
  const r = spec.r;
  const subject = spec.obj('subject');
  if (!subject) {
    if (!spec.has('subject'))
      r.error(
        'missing-field',
        spec.at('subject'),
        'subject is required: {namespaces: <selector>} or {pods: {namespaceSelector, podSelector}}',
      );
    return undefined;
  }
  subject.known(['namespaces', 'pods']);
  const peer = readPodsOrNamespaces(subject, 'subject');
  if (!peer) return undefined;
  return { selector: peer.selector ?? ORCHESTRATOR_TERM, namespaceSelector: peer.namespaceSelector ?? 'all()' };
}

/**
 * `{namespaces: S}` or `{pods: {namespaceSelector, podSelector}}` (exactly one). For a subject the
 * namespaces form also selects pods only; for a peer it has no `selector` (any endpoint in them).
 */
function readPodsOrNamespaces(o: Obj, what: 'subject' | 'peer'): EntitySpec | undefined {
  const r = o.r;
  const ns = o.obj('namespaces');
  const pods = o.obj('pods');
  if ((ns ? 1 : 0) + (pods ? 1 : 0) !== 1) {
    r.error('invalid-value', o.path, `${what} needs exactly one of namespaces or pods`);
    return undefined;
  }
  if (ns) {
    const terms = labelSelectorTerms(ns);
    if (!terms) return undefined;
    return what === 'subject'
      ? { selector: ORCHESTRATOR_TERM, namespaceSelector: namespaceSelectorText(terms) }
      : { namespaceSelector: namespaceSelectorText(terms) };
  }
  if (!pods) return undefined;
  pods.known(['namespaceSelector', 'podSelector']);
  const nsSel = pods.obj('namespaceSelector');
  const podSel = pods.obj('podSelector');
  if (!nsSel)
    r.error(
      'missing-field',
      pods.at('namespaceSelector'),
      'pods.namespaceSelector is required ({} selects every namespace)',
    );
  if (!podSel) r.error('missing-field', pods.at('podSelector'), 'pods.podSelector is required ({} selects every pod)');
  if (!nsSel || !podSel) return undefined;
  const nsTerms = labelSelectorTerms(nsSel);
  const podTerms = labelSelectorTerms(podSel);
  if (!nsTerms || !podTerms) return undefined;
  return { selector: podSelectorText(podTerms), namespaceSelector: namespaceSelectorText(nsTerms) };
}

/** Raised inside rule conversion for constructs that are valid but cannot be converted (fail closed). */
interface Unsupported {
  path: readonly (string | number)[];
  message: string;
}

function convertRules(spec: Obj, key: 'ingress' | 'egress', actions: readonly string[], baseline: boolean): RuleSpec[] {
  const r = spec.r;
  const dir: Direction = key === 'ingress' ? 'Ingress' : 'Egress';
  const peersKey = key === 'ingress' ? 'from' : 'to';
  const out: RuleSpec[] = [];
  for (const item of spec.list(key, MAX_RULES) ?? []) {
    const rule = asObj(r, item.value, item.path, `a ${key} rule {name, action, ${peersKey}, ports}`);
    if (!rule) continue;
    rule.known(['name', 'action', peersKey, 'ports']);
    const before = r.errors;
    const name = rule.str('name');
    if (name !== undefined && name.length > 100)
      r.error('invalid-value', rule.at('name'), 'a rule name may have at most 100 characters');
    const action = rule.reqStr('action', actions.join(', '));
    if (action !== undefined && !actions.includes(action)) {
      r.error(
        'invalid-value',
        rule.at('action'),
        `invalid action ${JSON.stringify(action)}; expected ${actions.join(' or ')}`,
      );
    }
    const unsupported: Unsupported[] = [];
    const groups = readAdminPorts(rule);
    const peerItems = rule.list(peersKey, 100);
    if (!peerItems || peerItems.length === 0) {
      r.error('missing-field', rule.at(peersKey), `${peersKey} needs at least one peer`);
    }
    const peers: EntitySpec[] = [];
    for (const p of peerItems ?? []) {
      const peer = readAdminPeer(rule, p.value, p.path, dir, unsupported);
      if (peer) peers.push(peer);
    }
    if (r.errors > before || action === undefined) continue;
    const path = formatPath(rule.path);
    if (unsupported.length > 0) {
      // A rule that fails to convert: fail closed for Deny/Pass, drop for Allow (§8.1).
      const failClosed = action === 'Deny' || (action === 'Pass' && !baseline);
      for (const u of unsupported) {
        r.warn(
          'invalid-rule',
          u.path,
          `${u.message}; the rule ${failClosed ? 'is replaced by an unconditional Deny' : 'is dropped'}`,
        );
      }
      if (failClosed)
        out.push({ action: 'Deny', source: {}, destination: {}, ...(name !== undefined ? { name } : {}), path });
      continue;
    }
    out.push(...expandRule(groups, peers, dir, action as 'Allow' | 'Deny' | 'Pass', path, name));
  }
  return out;
}

function readAdminPeer(
  rule: Obj,
  value: unknown,
  path: readonly (string | number)[],
  dir: Direction,
  unsupported: Unsupported[],
): EntitySpec | undefined {
  const r = rule.r;
  const o = asObj(r, value, path, 'a peer {namespaces} or {pods}');
  if (!o) {
    r.error('invalid-rule', path, 'a peer needs namespaces or pods');
    return undefined;
  }
  const egressOnly = ['networks', 'nodes'];
  o.known(dir === 'Egress' ? ['namespaces', 'pods', ...egressOnly] : ['namespaces', 'pods']);
  if (dir === 'Egress' && o.has('nodes')) {
    unsupported.push({ path: o.at('nodes'), message: 'nodes peers are not supported' });
    return undefined;
  }
  for (const key of ['sameLabels', 'notSameLabels']) {
    if (o.obj('namespaces')?.has(key)) {
      unsupported.push({ path: [...o.at('namespaces'), key], message: `namespaces.${key} is not supported` });
      return undefined;
    }
  }
  if (dir === 'Egress' && o.has('networks')) {
    if (o.has('namespaces') || o.has('pods')) {
      r.error('invalid-value', path, 'a peer needs exactly one of namespaces, pods or networks');
      return undefined;
    }
    const nets: string[] = [];
    const list = o.strList('networks', 25) ?? [];
    if (list.length === 0) r.error('missing-field', o.at('networks'), 'networks needs at least one CIDR');
    for (const [i, text] of list.entries()) {
      const c = parseCidr(text, false);
      if (c) nets.push(formatCidr(c));
      else
        r.error(
          'invalid-cidr',
          [...o.at('networks'), i],
          `invalid CIDR ${JSON.stringify(text)}; expected address/prefix such as 10.0.0.0/8`,
        );
    }
    return { nets };
  }
  return readPodsOrNamespaces(o, 'peer');
}

function readAdminPorts(rule: Obj): PortGroups {
  const r = rule.r;
  const groups: PortGroups = new Map();
  const items = rule.list('ports', 100) ?? [];
  for (const item of items) {
    const o = asObj(r, item.value, item.path, 'a port {portNumber}, {portRange} or {namedPort}');
    if (!o) continue;
    o.known(['portNumber', 'portRange', 'namedPort']);
    const forms = ['portNumber', 'portRange', 'namedPort'].filter((k) => o.has(k));
    if (forms.length !== 1) {
      r.error('invalid-port', item.path, 'a port needs exactly one of portNumber, portRange or namedPort');
      continue;
    }
    const named = o.str('namedPort');
    if (named !== undefined) {
      if (isIanaServiceName(named)) addToGroup(groups, '', { name: named });
      else
        r.error(
          'invalid-port',
          o.at('namedPort'),
          `invalid port name ${JSON.stringify(named)}; expected an IANA service name`,
        );
      continue;
    }
    const num = o.obj('portNumber');
    if (num) {
      num.known(['protocol', 'port']);
      const proto = readK8sProtocol(r, num.raw.protocol, num.at('protocol'));
      if (!num.has('port')) r.error('missing-field', num.at('port'), 'portNumber.port is required (1–65535)');
      const port = num.int('port', 1, 65535, 'invalid-port');
      if (proto !== undefined && port !== undefined) addToGroup(groups, protoKey(proto), { min: port, max: port });
      continue;
    }
    const range = o.obj('portRange');
    if (range) {
      range.known(['protocol', 'start', 'end']);
      const proto = readK8sProtocol(r, range.raw.protocol, range.at('protocol'));
      for (const k of ['start', 'end']) {
        if (!range.has(k)) r.error('missing-field', range.at(k), `portRange.${k} is required (1–65535)`);
      }
      const start = range.int('start', 1, 65535, 'invalid-port');
      const end = range.int('end', 1, 65535, 'invalid-port');
      if (start !== undefined && end !== undefined && start > end) {
        r.error('invalid-port', range.at('end'), `reversed port range ${start}–${end}; expected start ≤ end`);
      } else if (proto !== undefined && start !== undefined && end !== undefined) {
        addToGroup(groups, protoKey(proto), { min: start, max: end });
      }
    }
  }
  if (items.length === 0) groups.set('', null);
  return groups;
}

const protoKey = (n: number): string => Object.keys(K8S_PROTOCOLS).find((k) => K8S_PROTOCOLS[k] === n) ?? String(n);
