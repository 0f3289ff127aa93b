// Calico NetworkPolicy, GlobalNetworkPolicy and their staged forms → PolicySpec
// (reference §1.2–§1.4, §1.8–§1.13, §11).

import { isGlobalKind, policyKindInfo } from '../kinds.ts';
import type {
  Direction,
  EntitySpec,
  HttpMatch,
  IcmpMatch,
  PolicySpec,
  PortMatch,
  RuleAction,
  RuleSpec,
  ServiceAccountMatch,
  StagedAction,
} from '../model.ts';
import { type Cidr, formatCidr, parseCidr } from '../net/ip.ts';
import type { RawResource } from './meta.ts';
import { readMeta, sourceOf } from './meta.ts';
import { CALICO_GNP_NAME_RULE, CALICO_NP_NAME_RULE, isDnsLabel } from './names.ts';
import { PORT_PROTOCOLS, protocolName, readCalicoPort, readCalicoProtocol } from './ports.ts';
import type { Obj } from './read.ts';
import { asObj, isEmptyValue } from './read.ts';
import { describe, formatPath } from './report.ts';
import { checkSelector } from './selectors.ts';

export const MAX_RULES = 1024;
const MAX_NETS = 256;
const MAX_PORTS = 50;

/** The Calico v3 policy kinds this converter reads. */
export type CalicoPolicyKind =
  | 'NetworkPolicy'
  | 'GlobalNetworkPolicy'
  | 'StagedNetworkPolicy'
  | 'StagedGlobalNetworkPolicy';

const NP_FIELDS = [
  'tier',
  'order',
  'selector',
  'serviceAccountSelector',
  'types',
  'ingress',
  'egress',
  'performanceHints',
];
const GNP_FIELDS = [...NP_FIELDS, 'namespaceSelector', 'doNotTrack', 'preDNAT', 'applyOnForward'];
const RULE_FIELDS = [
  'action',
  'ipVersion',
  'protocol',
  'notProtocol',
  'icmp',
  'notICMP',
  'source',
  'destination',
  'http',
  'metadata',
];
const ENTITY_FIELDS = [
  'nets',
  'notNets',
  'selector',
  'notSelector',
  'namespaceSelector',
  'serviceAccounts',
  'services',
  'ports',
  'notPorts',
];
const ACTIONS: readonly RuleAction[] = ['Allow', 'Deny', 'Log', 'Pass'];
const STAGED_ACTIONS: readonly StagedAction[] = ['Set', 'Delete', 'Learn', 'Ignore'];

export function readStagedAction(spec: Obj | undefined): StagedAction | undefined {
  const value = spec?.str('stagedAction');
  if (value === undefined || value === '') return 'Set';
  if ((STAGED_ACTIONS as readonly string[]).includes(value)) return value as StagedAction;
  spec?.r.error(
    'invalid-value',
    spec.at('stagedAction'),
    `invalid stagedAction ${JSON.stringify(value)}; expected Set, Delete, Learn or Ignore`,
  );
  return undefined;
}

/** Reports every spec field other than `allowed` that is set, for a staged Delete. */
export function checkDeleteSpec(spec: Obj | undefined, allowed: readonly string[], what: string): void {
  for (const [key, value] of Object.entries(spec?.raw ?? {})) {
    if (allowed.includes(key) || isEmptyValue(value)) continue;
    spec?.r.error(
      'invalid-value',
      spec.at(key),
      `a staged policy with stagedAction Delete must have an empty spec apart from ${what}; remove ${key}`,
    );
  }
}

/** Converts a Calico NP/GNP/SNP/SGNP. Undefined when the resource has errors. */
export function convertCalicoPolicy(res: RawResource, kind: CalicoPolicyKind): PolicySpec | undefined {
  const flavor = { kind, global: isGlobalKind(kind), staged: policyKindInfo(kind).staged };
  const r = res.root.r;
  const meta = readMeta(res, !flavor.global, flavor.global ? CALICO_GNP_NAME_RULE : CALICO_NP_NAME_RULE);
  const spec = res.root.obj('spec');
  const fields = flavor.global ? GNP_FIELDS : NP_FIELDS;
  spec?.known(flavor.staged ? [...fields, 'stagedAction'] : fields);

  const stagedAction = flavor.staged ? readStagedAction(spec) : undefined;
  const tier = spec?.str('tier') || 'default';
  if (!isDnsLabel(tier)) {
    r.error(
      'invalid-value',
      spec?.at('tier') ?? ['spec'],
      `invalid tier name ${JSON.stringify(tier)}; expected a DNS label (no dots)`,
    );
  }
  const base = {
    kind: flavor.kind,
    name: meta?.name ?? '',
    ...(meta?.namespace !== undefined ? { namespace: meta.namespace } : {}),
    tier,
    staged: flavor.staged,
    ...(stagedAction !== undefined && flavor.staged ? { stagedAction } : {}),
    original: res.root.raw,
    source: sourceOf(res),
  };

  if (stagedAction === 'Delete') {
    // The client clears `types` on Delete, so it is tolerated.
    checkDeleteSpec(spec, ['tier', 'stagedAction', 'types'], 'tier');
    if (r.errors > 0 || !meta) return undefined;
    return { ...base, selector: '', types: [], ingress: [], egress: [], skipForWorkloads: false };
  }

  const order = spec?.num('order');
  const selector = spec?.str('selector') ?? '';
  checkSelector(r, selector, spec?.at('selector') ?? ['spec', 'selector']);
  const saSelector = spec?.str('serviceAccountSelector');
  if (saSelector) checkSelector(r, saSelector, spec?.at('serviceAccountSelector') ?? []);
  const nsSelector = flavor.global ? spec?.str('namespaceSelector') : undefined;
  if (nsSelector) checkSelector(r, nsSelector, spec?.at('namespaceSelector') ?? []);

  const ctx: RuleContext = { global: flavor.global };
  const ingress = readRules(spec, 'ingress', ctx);
  const egress = readRules(spec, 'egress', ctx);
  const types = readTypes(spec) ?? defaultTypes(ingress.length > 0, egress.length > 0);

  const doNotTrack = spec?.bool('doNotTrack') ?? false;
  const preDNAT = spec?.bool('preDNAT') ?? false;
  const applyOnForward = spec?.bool('applyOnForward') ?? false;
  if (spec && (doNotTrack || preDNAT) && !applyOnForward) {
    const field = doNotTrack ? 'doNotTrack' : 'preDNAT';
    r.error('invalid-value', spec.at(field), `${field} requires applyOnForward: true`);
  }
  if (spec && doNotTrack && preDNAT) {
    r.error('invalid-value', spec.at('preDNAT'), 'doNotTrack and preDNAT cannot both be set');
  }
  if (spec && preDNAT) {
    if (egress.length > 0) r.error('invalid-rule', spec.at('egress'), 'a preDNAT policy cannot have egress rules');
    if (types.includes('Egress'))
      r.error('invalid-value', spec.at('types'), 'a preDNAT policy cannot have type Egress');
  }

  if (r.errors > 0 || !meta) return undefined;
  return {
    ...base,
    ...(order !== undefined ? { order } : {}),
    selector,
    ...(nsSelector ? { namespaceSelector: nsSelector } : {}),
    ...(saSelector ? { serviceAccountSelector: saSelector } : {}),
    types,
    ingress,
    egress,
    skipForWorkloads: doNotTrack || preDNAT,
  };
}

/** §1.2.1: the API server's defaulting of an empty `types`. */
export function defaultTypes(hasIngress: boolean, hasEgress: boolean): Direction[] {
  if (hasEgress && !hasIngress) return ['Egress'];
  if (hasEgress) return ['Ingress', 'Egress'];
  return ['Ingress'];
}

/** `types` / `policyTypes` as written; undefined when absent or empty (then defaulted). */
export function readTypes(spec: Obj | undefined, key = 'types'): Direction[] | undefined {
  const values = spec?.strList(key);
  if (!spec || !values || values.length === 0) return undefined;
  const out: Direction[] = [];
  for (const [i, v] of values.entries()) {
    const at = [...spec.at(key), i];
    if (v !== 'Ingress' && v !== 'Egress') {
      spec.r.error('invalid-value', at, `invalid policy type ${JSON.stringify(v)}; expected Ingress or Egress`);
    } else if (out.includes(v)) {
      spec.r.error('invalid-value', at, `duplicate policy type ${v}; each of Ingress and Egress may appear once`);
    } else out.push(v);
  }
  return out;
}

interface RuleContext {
  global: boolean;
}

function readRules(spec: Obj | undefined, dir: 'ingress' | 'egress', ctx: RuleContext): RuleSpec[] {
  const items = spec?.list(dir) ?? [];
  if (spec && items.length > MAX_RULES) {
    spec.r.error('invalid-value', spec.at(dir), `${dir} has ${items.length} rules; at most ${MAX_RULES} are allowed`);
  }
  const rules: RuleSpec[] = [];
  for (const item of items) {
    const o = asObj(spec!.r, item.value, item.path, 'a rule object');
    if (!o) {
      if (item.value === null) spec!.r.error('wrong-type', item.path, 'expected a rule object, got null');
      continue;
    }
    const rule = readRule(o, dir === 'ingress' ? 'Ingress' : 'Egress', ctx);
    if (rule) rules.push(rule);
  }
  return rules;
}

interface EntityRead {
  spec: EntitySpec;
  nets: Cidr[];
  notNets: Cidr[];
}

function readRule(o: Obj, dir: Direction, ctx: RuleContext): RuleSpec | undefined {
  const r = o.r;
  const before = r.errors;
  o.known(RULE_FIELDS);
  const action = o.reqStr('action', 'Allow, Deny, Log or Pass');
  if (action !== undefined && !(ACTIONS as readonly string[]).includes(action)) {
    r.error(
      'invalid-value',
      o.at('action'),
      `invalid action ${JSON.stringify(action)}; expected Allow, Deny, Log or Pass`,
    );
  }
  const ipVersionRaw = o.raw.ipVersion;
  let ipVersion: 4 | 6 | undefined;
  if (ipVersionRaw !== undefined && ipVersionRaw !== null) {
    if (ipVersionRaw === 4 || ipVersionRaw === 6) ipVersion = ipVersionRaw;
    else r.error('invalid-value', o.at('ipVersion'), `invalid ipVersion ${describe(ipVersionRaw)}; expected 4 or 6`);
  }
  const protocol = o.has('protocol') ? readCalicoProtocol(r, o.raw.protocol, o.at('protocol')) : undefined;
  const notProtocol = o.has('notProtocol') ? readCalicoProtocol(r, o.raw.notProtocol, o.at('notProtocol')) : undefined;
  for (const [key, p] of [
    ['protocol', protocol],
    ['notProtocol', notProtocol],
  ] as const) {
    if (p === 1 && ipVersion === 6)
      r.error('invalid-rule', o.at(key), `${key} ICMP needs ipVersion 4 (or none), got 6`);
    if (p === 58 && ipVersion === 4)
      r.error('invalid-rule', o.at(key), `${key} ICMPv6 needs ipVersion 6 (or none), got 4`);
  }
  const icmp = readIcmp(o, 'icmp', protocol);
  const notICMP = readIcmp(o, 'notICMP', protocol);

  const source = readEntity(o.obj('source'), 'source', dir, ctx);
  const destination = readEntity(o.obj('destination'), 'destination', dir, ctx);

  // Ports need a protocol that has ports (§1.8).
  const sides = [
    ['source', source.spec],
    ['destination', destination.spec],
  ] as const;
  for (const [side, entity] of sides) {
    for (const key of ['ports', 'notPorts'] as const) {
      const list = entity[key];
      if (!list || list.length === 0) continue;
      const at = [...o.at(side), key];
      const numeric = list.some((p) => 'min' in p);
      if (o.has('protocol') && protocol === undefined) continue; // already reported
      if (protocol !== undefined && !PORT_PROTOCOLS.has(protocol)) {
        r.error(
          'invalid-rule',
          at,
          `${side}.${key} cannot be used with protocol ${protocolName(protocol)}, which has no ports`,
        );
      } else if (numeric && protocol === undefined) {
        r.error(
          'invalid-rule',
          at,
          `numeric ${side}.${key} need protocol TCP, UDP or SCTP (only named ports work without a protocol)`,
        );
      }
    }
  }

  // One IP family per rule, agreeing with ipVersion.
  const cidrs = [...source.nets, ...source.notNets, ...destination.nets, ...destination.notNets];
  const families = new Set(cidrs.map((c) => c.family));
  if (families.size > 1) {
    r.error('invalid-cidr', o.path, 'a rule mixes IPv4 and IPv6 CIDRs in its nets/notNets; use one family per rule');
  } else if (ipVersion !== undefined && families.size === 1 && !families.has(ipVersion)) {
    r.error(
      'invalid-cidr',
      o.at('ipVersion'),
      `ipVersion ${ipVersion} disagrees with the rule's IPv${[...families][0]} CIDRs`,
    );
  }

  let http: HttpMatch | undefined;
  if (o.has('http')) {
    http = readHttp(o);
    if (action !== undefined && action !== 'Allow')
      r.error('invalid-rule', o.at('http'), `http is only allowed on Allow rules, not ${action}`);
    if (dir === 'Egress') r.error('invalid-rule', o.at('http'), 'http is only allowed in ingress rules');
    if (protocol !== undefined && protocol !== 6)
      r.error('invalid-rule', o.at('http'), `http needs protocol TCP (or none), got ${protocolName(protocol)}`);
  }

  const annotations = o.obj('metadata')?.obj('annotations');
  const name = annotations?.str('name');

  if (r.errors > before || action === undefined) return undefined;
  return {
    action: action as RuleAction,
    ...(ipVersion !== undefined ? { ipVersion } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(notProtocol !== undefined ? { notProtocol } : {}),
    ...(icmp ? { icmp } : {}),
    ...(notICMP ? { notICMP } : {}),
    source: source.spec,
    destination: destination.spec,
    ...(http ? { http } : {}),
    ...(name !== undefined ? { name } : {}),
    path: formatPath(o.path),
  };
}

function readIcmp(rule: Obj, key: 'icmp' | 'notICMP', protocol: number | undefined): IcmpMatch | undefined {
  const o = rule.obj(key);
  if (!o) return undefined;
  o.known(['type', 'code']);
  const type = o.int('type', 0, 254);
  const code = o.int('code', 0, 255);
  if (code !== undefined && !o.has('type'))
    o.r.error('invalid-value', o.at('code'), `${key}.code is only valid together with ${key}.type`);
  if (protocol !== 1 && protocol !== 58) {
    o.r.error(
      'invalid-rule',
      rule.at(key),
      `${key} needs protocol ICMP or ICMPv6 (1 or 58), got ${protocol === undefined ? 'none' : protocolName(protocol)}`,
    );
  }
  if (type === undefined) return undefined;
  return code === undefined ? { type } : { type, code };
}

function readHttp(rule: Obj): HttpMatch | undefined {
  const o = rule.obj('http');
  if (!o) return undefined;
  const r = o.r;
  o.known(['methods', 'paths']);
  const methods = o.strList('methods', 20);
  if (methods && new Set(methods).size !== methods.length)
    r.error('invalid-value', o.at('methods'), 'http.methods has duplicates');
  const paths: ({ exact: string } | { prefix: string })[] = [];
  for (const item of o.list('paths', 20) ?? []) {
    const p = asObj(r, item.value, item.path, 'an HTTP path {exact} or {prefix}');
    if (!p) continue;
    p.known(['exact', 'prefix']);
    const exact = p.str('exact');
    const prefix = p.str('prefix');
    if ((exact === undefined) === (prefix === undefined)) {
      r.error('invalid-value', item.path, 'an HTTP path needs exactly one of exact or prefix');
      continue;
    }
    const key = exact !== undefined ? 'exact' : 'prefix';
    const value = (exact ?? prefix) as string;
    if (!value.startsWith('/') || /[?# ]/.test(value) || value.length > 1024) {
      r.error(
        'invalid-value',
        p.at(key),
        `invalid HTTP path ${JSON.stringify(value)}; expected at most 1024 characters starting with "/" without "?", "#" or spaces`,
      );
      continue;
    }
    paths.push(exact !== undefined ? { exact } : { prefix: value });
  }
  return { ...(methods ? { methods } : {}), ...(paths.length > 0 ? { paths } : {}) };
}

function readNets(o: Obj, key: 'nets' | 'notNets'): Cidr[] {
  const out: Cidr[] = [];
  const values = o.strList(key, MAX_NETS) ?? [];
  for (const [i, v] of values.entries()) {
    const c = parseCidr(v, true);
    if (!c)
      o.r.error(
        'invalid-cidr',
        [...o.at(key), i],
        `invalid CIDR ${JSON.stringify(v)}; expected an IPv4/IPv6 address or CIDR such as 10.0.0.0/8`,
      );
    else if (key === 'notNets' && c.prefix === 0) {
      o.r.error(
        'invalid-cidr',
        [...o.at(key), i],
        `notNets may not contain ${formatCidr(c)}: it matches nothing, so the rule could never match`,
      );
    } else out.push(c);
  }
  return out;
}

function readPorts(o: Obj, key: 'ports' | 'notPorts'): PortMatch[] | undefined {
  const items = o.list(key, MAX_PORTS);
  if (!items) return undefined;
  const out: PortMatch[] = [];
  for (const item of items) {
    const p = readCalicoPort(o.r, item.value, item.path);
    if (p) out.push(p);
  }
  return out;
}

function readEntity(o: Obj | undefined, side: 'source' | 'destination', dir: Direction, ctx: RuleContext): EntityRead {
  if (!o) return { spec: {}, nets: [], notNets: [] };
  const r = o.r;
  o.known(ENTITY_FIELDS);
  const spec: EntitySpec = {};
  const nets = readNets(o, 'nets');
  const notNets = readNets(o, 'notNets');
  if (nets.length > 0) spec.nets = nets.map((c) => formatCidr(c));
  if (notNets.length > 0) spec.notNets = notNets.map((c) => formatCidr(c));
  for (const key of ['selector', 'notSelector', 'namespaceSelector'] as const) {
    const text = o.str(key);
    if (!text) continue;
    if (checkSelector(r, text, o.at(key), key === 'namespaceSelector' ? 'entity-namespace' : 'plain')) spec[key] = text;
  }
  const sa = o.obj('serviceAccounts');
  if (sa) {
    sa.known(['names', 'selector']);
    const names = sa.strList('names');
    const selector = sa.str('selector');
    if (selector) checkSelector(r, selector, sa.at('selector'));
    const match: ServiceAccountMatch = { ...(names ? { names } : {}), ...(selector ? { selector } : {}) };
    if (names || selector) spec.serviceAccounts = match;
  }
  const ports = readPorts(o, 'ports');
  const notPorts = readPorts(o, 'notPorts');
  if (ports && ports.length > 0) spec.ports = ports;
  if (notPorts && notPorts.length > 0) spec.notPorts = notPorts;

  const svc = o.obj('services');
  if (svc) {
    svc.known(['name', 'namespace']);
    const name = svc.reqStr('name', 'the Service name');
    const namespace = svc.str('namespace');
    if (name !== undefined && name.length > 253)
      r.error('invalid-value', svc.at('name'), 'services.name is longer than 253 characters');
    if (namespace !== undefined && namespace.length > 253)
      r.error('invalid-value', svc.at('namespace'), 'services.namespace is longer than 253 characters');
    if (ctx.global && !namespace) {
      r.error('missing-field', svc.at('namespace'), 'services in a global policy must name the Service namespace');
    }
    const others = ['selector', 'notSelector', 'namespaceSelector', 'nets', 'notNets', 'serviceAccounts'].filter((k) =>
      o.has(k),
    );
    if (others.length > 0) {
      r.error(
        'invalid-rule',
        o.at('services'),
        `services cannot be combined with ${others.join(', ')} in the same ${side}`,
      );
    }
    if (side === 'destination' && (o.has('ports') || o.has('notPorts'))) {
      r.error(
        'invalid-rule',
        o.at('services'),
        'destination.services cannot be combined with destination ports or notPorts (the Service defines the ports)',
      );
    }
    if (side === 'destination' && dir === 'Ingress') {
      r.error(
        'invalid-rule',
        o.at('services'),
        'destination.services is not allowed in ingress rules; use it in egress rules',
      );
    }
    if (side === 'source' && dir === 'Egress') {
      r.error(
        'invalid-rule',
        o.at('services'),
        'source.services is not allowed in egress rules; use it in ingress rules',
      );
    }
    if (name !== undefined) spec.services = namespace ? { name, namespace } : { name };
  }
  return { spec, nets, notNets };
}
