// How flows become ClickHouse rows: the per-key row with its policy columns and statistics groups,
// and the TabSeparated text of window rows.
import type { PolicyHit } from '@verdict/engine';
import { pendingVerdict } from '../key.ts';
import type { FlowKey, IpSet } from '../model.ts';
import { identity } from '../stats.ts';

export interface KeyRow {
  cluster: string;
  id: number;
  key: string;
  pending_actions: string[];
  hit_kind: string[];
  hit_tier: string[];
  hit_namespace: string[];
  hit_name: string[];
  hit_action: string[];
  hint_kind: string[];
  hint_tier: string[];
  hint_namespace: string[];
  hint_name: string[];
  stat_policy: string[];
  stat_policy_slot: number[];
  stat_rule: string[];
  stat_rule_slot: number[];
}

/** A statistics group as stored: [kind, namespace, name, tier, action, ruleIndex, direction]. */
export type StatGroup = [PolicyHit['kind'], string, string, string, PolicyHit['action'], number, string];

const SLOT = { Allow: 0, Deny: 2, Pass: 4 } as const;

/**
 * The groups a window of this key counts in (calico-observability §3.9), as `computeStatistics` forms
 * them: one per distinct policy (the first hit's action decides the slot) and one per distinct rule.
 */
export function keyRow(cluster: string, id: number, keyString: string, k: FlowKey): KeyRow {
  const hits = [...k.policies.enforced, ...k.policies.pending];
  const row: KeyRow = {
    cluster,
    id,
    key: keyString,
    pending_actions: k.policies.pending.map((h) => h.action),
    hit_kind: hits.map((h) => h.kind),
    hit_tier: hits.map((h) => h.tier),
    hit_namespace: hits.map((h) => h.namespace),
    hit_name: hits.map((h) => h.name),
    hit_action: hits.map((h) => h.action),
    hint_kind: [],
    hint_tier: [],
    hint_namespace: [],
    hint_name: [],
    stat_policy: [],
    stat_policy_slot: [],
    stat_rule: [],
    stat_rule_slot: [],
  };
  const direction = k.reporter === 'Dst' ? 'Ingress' : 'Egress';
  const seenPolicy = new Set<string>();
  const seenRule = new Set<string>();
  for (const h of hits) {
    const id = identity(h);
    if (h.kind !== 'Profile') {
      const src = h.kind === 'EndOfTier' && h.trigger ? h.trigger : h;
      row.hint_kind.push(src.kind);
      row.hint_tier.push(src.tier);
      row.hint_namespace.push(src.namespace);
      row.hint_name.push(src.name);
    }
    const policy = JSON.stringify([id.kind, id.namespace, id.name, id.tier, 'Allow', 0, 'Any'] satisfies StatGroup);
    if (!seenPolicy.has(policy)) {
      seenPolicy.add(policy);
      row.stat_policy.push(policy);
      row.stat_policy_slot.push(SLOT[h.action]);
    }
    const rule = JSON.stringify([
      id.kind,
      id.namespace,
      id.name,
      id.tier,
      h.action,
      h.ruleIndex,
      direction,
    ] satisfies StatGroup);
    if (!seenRule.has(rule)) {
      seenRule.add(rule);
      row.stat_rule.push(rule);
      row.stat_rule_slot.push(SLOT[h.action]);
    }
  }
  return row;
}

export interface WindowRow {
  bucket: number;
  keyId: number;
  seq: number;
  key: FlowKey;
  sourceLabels: number;
  destLabels: number;
  sourceIps: IpSet | undefined;
  destIps: IpSet | undefined;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  started: number;
  completed: number;
  live: number;
}

const tsv = (s: string) =>
  s.includes('\\') || s.includes('\t') || s.includes('\n')
    ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n')
    : s;
const SPECIAL = /[\\'\t\n]/;
const quoted = (s: string) =>
  SPECIAL.test(s)
    ? `'${s.replace(/\\/g, '\\\\\\\\').replace(/'/g, "\\\\'").replace(/\t/g, '\\t').replace(/\n/g, '\\n')}'`
    : `'${s}'`;
const array = (values: readonly string[]) => `[${values.map(quoted).join(',')}]`;

/** The columns of `flow_windows` in the order `windowsTsv` writes them. */
export const WINDOW_COLUMNS = [
  'cluster',
  'bucket',
  'key_id',
  'batch',
  'seq',
  'source_namespace',
  'dest_namespace',
  'action',
  'source_name',
  'dest_name',
  'dest_port',
  'proto',
  'reporter',
  'pending_verdict',
  'source_labels',
  'dest_labels',
  'source_ips',
  'source_ips_beyond',
  'dest_ips',
  'dest_ips_beyond',
  'packets_in',
  'packets_out',
  'bytes_in',
  'bytes_out',
  'connections_started',
  'connections_completed',
  'connections_live',
] as const;

/** Window rows as TabSeparated text, one line per row. */
export function windowsTsv(cluster: string, batch: number, rows: readonly WindowRow[]): string {
  const c = tsv(cluster);
  const parts: string[] = [];
  for (const r of rows) {
    const k = r.key;
    parts.push(
      `${c}\t${r.bucket}\t${r.keyId}\t${batch}\t${r.seq}\t${tsv(k.sourceNamespace)}\t${tsv(k.destNamespace)}\t${k.action}\t${tsv(k.sourceName)}\t${tsv(k.destName)}\t${k.destPort}\t${tsv(k.proto)}\t${k.reporter}\t${pendingVerdict(k) ?? ''}\t${r.sourceLabels}\t${r.destLabels}\t${r.sourceIps ? array(r.sourceIps.ips) : '[]'}\t${r.sourceIps?.beyond ?? 0}\t${r.destIps ? array(r.destIps.ips) : '[]'}\t${r.destIps?.beyond ?? 0}\t${r.packetsIn}\t${r.packetsOut}\t${r.bytesIn}\t${r.bytesOut}\t${r.started}\t${r.completed}\t${r.live}\n`,
    );
  }
  return parts.join('');
}
