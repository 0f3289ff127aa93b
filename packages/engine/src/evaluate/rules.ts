// Rules compiled to a list of clauses. Each clause tests one field of the rule against a flow and
// can say in words why it matched or not; evaluation only runs the tests.
import type { EntitySpec, IcmpMatch, PortMatch, RuleSpec } from '../model.ts';
import { type Cidr, cidrContains, formatCidr, type IpFamily, parseCidr } from '../net/ip.ts';
import { protocolName } from '../net/protocol.ts';
import {
  and,
  equals,
  has,
  inSet,
  isGlobalOnly,
  not,
  parseSelector,
  prefixLabels,
  replaceAll,
  type SelectorNode,
  selectorFromAst,
} from '../selector/index.ts';
import type { ClusterIndex, IpIdentity, MemoSelector } from './cluster-index.ts';
import { type Entity, formatLabels, NAMESPACE_LABEL, SERVICE_ACCOUNT_LABEL } from './entities.ts';

/** The facts about one flow that rules test. */
export interface FlowFacts {
  readonly family: IpFamily;
  readonly protocol: number;
  readonly srcIp: string;
  readonly dstIp: string;
  readonly src: IpIdentity;
  readonly dst: IpIdentity;
  readonly srcPort: number | undefined;
  readonly dstPort: number;
  readonly icmp: IcmpMatch | undefined;
}

/**
 * What a clause on one side of a rule asks of the address on that side, for decision tables
 * (decide.ts): a test of the address's identity alone, shared by clauses with the same `key`;
 * `named-ports` when it depends on the named ports of the endpoint holding the address; `opaque`
 * when it depends on the address itself (services).
 */
export type SideTest = { readonly key: unknown; test(identity: IpIdentity): boolean } | 'named-ports' | 'opaque';

export interface Clause {
  /** The rule field this clause checks, e.g. `destination.ports`. */
  readonly field: string;
  /** The end of the flow the clause looks at; absent for protocol, IP version and ICMP clauses. */
  readonly side?: Side;
  /**
   * How the clause depends on its side's address beyond the protocol and destination port; absent
   * when it does not (port ranges, which test the ports; a source port is absent where tables apply).
   */
  readonly sideTest?: SideTest;
  test(flow: FlowFacts): boolean;
  /** One sentence on why the clause holds or fails for this flow. */
  explain(flow: FlowFacts, held: boolean): string;
}

export interface CompiledRule {
  readonly index: number;
  readonly spec: RuleSpec;
  /** Per IP family: false when the rule can never match that family (reference §6.1 step 2). */
  readonly family: Readonly<Record<IpFamily, boolean>>;
  readonly clauses: readonly Clause[];
}

export interface RuleContext {
  readonly index: ClusterIndex;
  /** The policy's namespace; absent for global kinds. */
  readonly namespace: string | undefined;
}

export function compileRule(spec: RuleSpec, index: number, context: RuleContext): CompiledRule {
  const clauses: Clause[] = [];
  const lists = [spec.source.nets, spec.source.notNets, spec.destination.nets, spec.destination.notNets];
  const cidrs = lists.map((list) =>
    (list ?? []).map((text) => parseCidr(text)).filter((c): c is Cidr => c !== undefined),
  );
  const family = { 4: familyPossible(4, lists, cidrs), 6: familyPossible(6, lists, cidrs) };

  if (spec.ipVersion !== undefined) {
    const version = spec.ipVersion;
    clauses.push({
      field: 'ipVersion',
      test: (flow) => flow.family === version,
      explain: (flow, held) => `the flow is IPv${flow.family}${held ? '' : `, not IPv${version}`}`,
    });
  }
  if (spec.protocol !== undefined) {
    const protocol = spec.protocol;
    clauses.push({
      field: 'protocol',
      test: (flow) => flow.protocol === protocol,
      explain: (flow, held) =>
        held
          ? `protocol is ${protocolName(protocol)}`
          : `protocol ${protocolName(flow.protocol)} is not ${protocolName(protocol)}`,
    });
  }
  if (spec.notProtocol !== undefined) {
    const protocol = spec.notProtocol;
    clauses.push({
      field: 'notProtocol',
      test: (flow) => flow.protocol !== protocol,
      explain: (_flow, held) => `protocol is ${held ? 'not ' : ''}${protocolName(protocol)}`,
    });
  }
  if (spec.icmp) clauses.push(icmpClause('icmp', spec.icmp, false));
  if (spec.notICMP) clauses.push(icmpClause('notICMP', spec.notICMP, true));
  addEntityClauses(clauses, 'source', spec.source, cidrs[0] ?? [], cidrs[1] ?? [], spec.protocol, context);
  addEntityClauses(clauses, 'destination', spec.destination, cidrs[2] ?? [], cidrs[3] ?? [], spec.protocol, context);
  return { index, spec, family, clauses };
}

export function ruleMatches(rule: CompiledRule, flow: FlowFacts): boolean {
  if (!rule.family[flow.family]) return false;
  for (const clause of rule.clauses) if (!clause.test(flow)) return false;
  return true;
}

/** Sentences for every clause up to and including the first that fails. */
export function explainRule(rule: CompiledRule, flow: FlowFacts): { matched: boolean; because: string[] } {
  if (!rule.family[flow.family]) {
    return { matched: false, because: [`the rule's CIDRs leave nothing for IPv${flow.family}`] };
  }
  const because: string[] = [];
  for (const clause of rule.clauses) {
    const held = clause.test(flow);
    because.push(`${clause.field}: ${clause.explain(flow, held)}`);
    if (!held) return { matched: false, because };
  }
  if (rule.spec.failed !== undefined) because.push(`${rule.spec.failed}; it matches every flow`);
  else if (rule.clauses.length === 0) because.push('the rule has no conditions, so it matches every flow');
  return { matched: true, because };
}

function familyPossible(family: IpFamily, lists: readonly (readonly string[] | undefined)[], cidrs: Cidr[][]): boolean {
  for (let i = 0; i < lists.length; i++) {
    const written = lists[i] ?? [];
    const kept = (cidrs[i] ?? []).filter((cidr) => cidr.family === family);
    if (written.length > 0 && kept.length === 0) return false;
    const negated = i % 2 === 1;
    if (negated && kept.some((cidr) => cidr.prefix === 0)) return false;
  }
  return true;
}

function icmpClause(field: string, match: IcmpMatch, negated: boolean): Clause {
  const text = match.code === undefined ? `type ${match.type}` : `type ${match.type} code ${match.code}`;
  const same = (flow: FlowFacts) =>
    flow.icmp !== undefined &&
    flow.icmp.type === match.type &&
    (match.code === undefined || flow.icmp.code === match.code);
  return {
    field,
    test: (flow) => same(flow) !== negated,
    explain: (_flow, held) => `ICMP ${text} ${held !== negated ? 'matches' : 'does not match'}`,
  };
}

type Side = 'source' | 'destination';

function addEntityClauses(
  clauses: Clause[],
  side: Side,
  entity: EntitySpec,
  nets: readonly Cidr[],
  notNets: readonly Cidr[],
  ruleProtocol: number | undefined,
  context: RuleContext,
): void {
  const ipOf = (flow: FlowFacts) => (side === 'source' ? flow.srcIp : flow.dstIp);
  const identityOf = (flow: FlowFacts) => (side === 'source' ? flow.src : flow.dst);
  const portOf = (flow: FlowFacts) => (side === 'source' ? flow.srcPort : flow.dstPort);

  if (entity.nets?.length) {
    const inNets = (identity: IpIdentity) => nets.some((cidr) => cidrContains(cidr, identity.ip));
    clauses.push({
      field: `${side}.nets`,
      side,
      sideTest: { key: `nets ${nets.map(formatCidr).join(',')}`, test: inNets },
      test: (flow) => inNets(identityOf(flow)),
      explain: (flow, held) => {
        const hit = nets.find((cidr) => cidrContains(cidr, identityOf(flow).ip));
        return hit
          ? `${ipOf(flow)} is in ${formatCidr(hit)}`
          : `${ipOf(flow)} is in none of ${nets.map(formatCidr).join(', ')}${held ? '' : ''}`;
      },
    });
  }
  if (entity.notNets?.length) {
    const inNotNets = (identity: IpIdentity) => notNets.some((cidr) => cidrContains(cidr, identity.ip));
    clauses.push({
      field: `${side}.notNets`,
      side,
      sideTest: { key: `nets ${notNets.map(formatCidr).join(',')}`, test: inNotNets },
      test: (flow) => !inNotNets(identityOf(flow)),
      explain: (flow) => {
        const hit = notNets.find((cidr) => cidrContains(cidr, identityOf(flow).ip));
        return hit ? `${ipOf(flow)} is in excluded ${formatCidr(hit)}` : `${ipOf(flow)} is outside every excluded CIDR`;
      },
    });
  }

  const { positive, negative } = scopedSelectors(entity, context);
  const positiveMemo = positive && context.index.memoSelector(selectorFromAst(positive));
  const negativeMemo = negative && context.index.memoSelector(selectorFromAst(negative));
  const written = describeEntityRule(entity, context.namespace);
  if (positiveMemo) {
    clauses.push({
      field: `${side}.selector`,
      side,
      sideTest: { key: positiveMemo, test: (identity) => context.index.ipMatches(positiveMemo, identity) },
      test: (flow) => context.index.ipMatches(positiveMemo, identityOf(flow)),
      explain: (flow, held) =>
        describeMembership(context.index, positiveMemo, written, identityOf(flow), ipOf(flow), held),
    });
  } else if (negativeMemo) {
    clauses.push({
      field: `${side}.notSelector`,
      side,
      sideTest: { key: negativeMemo, test: (identity) => context.index.ipMatches(negativeMemo, identity) },
      test: (flow) => !context.index.ipMatches(negativeMemo, identityOf(flow)),
      explain: (flow, held) =>
        `${describeMembership(context.index, negativeMemo, written, identityOf(flow), ipOf(flow), !held)}, and the rule excludes that`,
    });
  }

  if (entity.services) {
    const key = `${entity.services.namespace ?? context.namespace ?? ''}/${entity.services.name}`;
    clauses.push(
      side === 'destination'
        ? {
            field: 'destination.services',
            side,
            sideTest: 'opaque',
            test: (flow) => context.index.serviceHasTuple(key, flow.dstIp, flow.protocol, flow.dstPort),
            explain: (flow, held) =>
              `${flow.dstIp}:${flow.dstPort} is ${held ? '' : 'not '}an endpoint of service ${key}`,
          }
        : {
            field: 'source.services',
            side,
            sideTest: 'opaque',
            test: (flow) => context.index.serviceHasIp(key, flow.srcIp),
            explain: (flow, held) => `${flow.srcIp} is ${held ? '' : 'not '}an endpoint of service ${key}`,
          },
    );
  }

  const ports = compilePorts(entity.ports ?? [], ruleProtocol, positiveMemo, context.index);
  const notPorts = compilePorts(entity.notPorts ?? [], ruleProtocol, positiveMemo, context.index);
  const named = (list: readonly PortMatch[] | undefined) =>
    list?.some((port) => 'name' in port) ? { sideTest: 'named-ports' as const } : {};
  if (entity.ports?.length) {
    clauses.push({
      field: `${side}.ports`,
      side,
      ...named(entity.ports),
      test: (flow) => ports(portOf(flow), identityOf(flow).owner, flow.protocol),
      explain: (flow, held) =>
        `port ${portOf(flow) ?? '(unknown)'} is ${held ? '' : 'not '}in ${formatPorts(entity.ports ?? [])}`,
    });
  }
  if (entity.notPorts?.length) {
    clauses.push({
      field: `${side}.notPorts`,
      side,
      ...named(entity.notPorts),
      test: (flow) => !notPorts(portOf(flow), identityOf(flow).owner, flow.protocol),
      explain: (flow, held) =>
        `port ${portOf(flow) ?? '(unknown)'} is ${held ? 'outside' : 'in'} excluded ${formatPorts(entity.notPorts ?? [])}`,
    });
  }
}

/** Folds selector, namespaceSelector, serviceAccounts and the policy namespace (reference §6.2). */
function scopedSelectors(
  entity: EntitySpec,
  context: RuleContext,
): { positive: SelectorNode | undefined; negative: SelectorNode | undefined } {
  const parse = (text: string | undefined): SelectorNode | undefined => {
    if (text === undefined) return undefined;
    const parsed = parseSelector(text);
    // The loader validated every selector; an invalid one here matches nothing rather than everything.
    return parsed.ok ? parsed.value.ast : not(and());
  };
  const selector = parse(entity.selector);
  const notSelector = parse(entity.notSelector);
  const namespaceSelector = parse(entity.namespaceSelector);
  const accounts = entity.serviceAccounts;
  const identity: SelectorNode[] = [];
  if (accounts?.names?.length) identity.push(inSet(SERVICE_ACCOUNT_LABEL, accounts.names));
  const accountSelector = parse(accounts?.selector);
  if (accountSelector) identity.push(prefixLabels(accountSelector, 'pcsa.'));
  if (selector) identity.push(selector);

  const constrained = selector || notSelector || namespaceSelector || accounts;
  if (!constrained) return { positive: undefined, negative: undefined };

  let namespacePart: SelectorNode | undefined;
  if (namespaceSelector) {
    namespacePart = isGlobalOnly(namespaceSelector)
      ? not(has(NAMESPACE_LABEL))
      : replaceAll(prefixLabels(namespaceSelector, 'pcns.'), has(NAMESPACE_LABEL));
  } else if (context.namespace !== undefined) {
    namespacePart = equals(NAMESPACE_LABEL, context.namespace);
  }
  const positiveParts = namespacePart ? [namespacePart, ...identity] : identity;
  if (positiveParts.length === 0) return { positive: undefined, negative: notSelector };
  return {
    positive: notSelector ? and(...positiveParts, not(notSelector)) : and(...positiveParts),
    negative: undefined,
  };
}

type PortTest = (port: number | undefined, owner: Entity | undefined, protocol: number) => boolean;

function compilePorts(
  ports: readonly PortMatch[],
  ruleProtocol: number | undefined,
  scope: MemoSelector | undefined,
  index: ClusterIndex,
): PortTest {
  const ranges = ports.filter((p): p is { min: number; max: number } => 'min' in p);
  const names = ports.filter((p): p is { name: string } => 'name' in p).map((p) => p.name);
  return (port, owner, protocol) => {
    if (port === undefined) return false;
    for (const range of ranges) if (port >= range.min && port <= range.max) return true;
    if (names.length === 0 || !owner) return false;
    if (scope && !index.matches(scope, owner)) return false;
    for (const name of names) {
      for (const named of owner.namedPorts.get(name) ?? []) {
        if (
          named.port === port &&
          named.protocol === protocol &&
          (ruleProtocol === undefined || named.protocol === ruleProtocol)
        ) {
          return true;
        }
      }
    }
    return false;
  };
}

function formatPorts(ports: readonly PortMatch[]): string {
  return `[${ports.map((p) => ('name' in p ? `"${p.name}"` : p.min === p.max ? `${p.min}` : `${p.min}:${p.max}`)).join(', ')}]`;
}

/** The rule's selector fields as written, with the scope they get (reference §6.2). */
function describeEntityRule(entity: EntitySpec, namespace: string | undefined): string {
  const parts: string[] = [];
  if (entity.selector !== undefined) parts.push(`selector ${entity.selector}`);
  if (entity.notSelector !== undefined) parts.push(`notSelector ${entity.notSelector}`);
  if (entity.serviceAccounts?.names?.length) parts.push(`service accounts ${entity.serviceAccounts.names.join(', ')}`);
  if (entity.serviceAccounts?.selector !== undefined)
    parts.push(`service account selector ${entity.serviceAccounts.selector}`);
  if (entity.namespaceSelector !== undefined) parts.push(`in namespaces matching ${entity.namespaceSelector}`);
  else if (namespace !== undefined) parts.push(`in namespace ${namespace}`);
  return parts.join(' ');
}

function describeMembership(
  index: ClusterIndex,
  memo: MemoSelector,
  written: string,
  identity: IpIdentity,
  ip: string,
  held: boolean,
): string {
  const owner = identity.owner;
  if (owner && index.matches(memo, owner)) {
    return `${describeEntity(owner)} (${ip}) has labels ${formatLabels(owner.labels) || '(none)'}, matching ${written}`;
  }
  const set = identity.networkSets.find((s) => index.matches(memo, s));
  if (set) return `${ip} is in network set ${describeEntity(set)}, which matches ${written}`;
  const what = owner
    ? `${describeEntity(owner)} (${ip}, labels ${formatLabels(owner.labels) || 'none'})`
    : `${ip} (no known endpoint or network set)`;
  return `${what} does ${held ? '' : 'not '}match ${written}`;
}

export function describeEntity(entity: Entity): string {
  const kind = entity.kind === 'pod' ? 'pod' : entity.kind === 'hostEndpoint' ? 'host endpoint' : 'network set';
  return `${kind} ${entity.namespace ? `${entity.namespace}/` : ''}${entity.name}`;
}
