// The policy change log and the cluster source's status (what the UI header shows).

import { CALICO_VERSIONS } from '@verdict/engine';
import { z } from 'zod';

export const CHANGE_OPS = ['added', 'modified', 'deleted'] as const;

export const policyChangeSchema = z
  .object({
    /** Increasing; pass the last seen as `after` to poll for newer ones. */
    id: z.int(),
    /** Unix milliseconds when Verdict saw the change. */
    time: z.int(),
    op: z.enum(CHANGE_OPS),
    /** Policy kind as in /tiers (`KubernetesNetworkPolicy` for networking.k8s.io), or `Tier`, `NetworkSet`, `GlobalNetworkSet`. */
    kind: z.string(),
    /** "" for cluster-scoped resources. */
    namespace: z.string(),
    name: z.string(),
    resourceVersion: z.string(),
    /** `watch` (live cluster), `demo`. */
    source: z.string(),
    /** The resource before and after (metadata trimmed); null when absent. */
    before: z.unknown(),
    after: z.unknown(),
    /** Unified diff of before and after as YAML. */
    diff: z.string(),
  })
  .meta({ id: 'PolicyChange' });

export const changeListResponseSchema = z
  .object({ items: z.array(policyChangeSchema) })
  .meta({ id: 'PolicyChangeList' });

export const KIND_STATES = ['absent', 'listing', 'synced', 'retrying'] as const;

export const kindStatusSchema = z.object({
  /** `Pod`, `NetworkPolicy.networking.k8s.io`, `GlobalNetworkPolicy.projectcalico.org`. */
  kind: z.string(),
  /** Where it is read from; null when the API server does not serve it. */
  apiVersion: z.string().nullable(),
  state: z.enum(KIND_STATES),
  objects: z.int(),
  events: z.int(),
  relists: z.int(),
  /** Unix milliseconds of the last watch event; null before the first. */
  lastEventTime: z.int().nullable(),
  message: z.string().optional(),
});

export const CLUSTER_SOURCES = ['kubernetes', 'files', 'demo'] as const;
/** Where the reproduced Calico release came from: `--calico-version`, ClusterInformation, the v1alpha1 admin API being served, or the default. */
export const CALICO_VERSION_ORIGINS = ['flag', 'cluster', 'admin-api', 'default'] as const;

export const clusterStatusSchema = z
  .object({
    source: z.enum(CLUSTER_SOURCES),
    /** The API server for `kubernetes`; the manifest paths for `files`. */
    server: z.string(),
    ready: z.boolean(),
    /** Empty unless following a live cluster. */
    kinds: z.array(kindStatusSchema),
    /** Kinds the API server does not serve, or whose watch is failing; shown in the UI header. */
    warnings: z.array(z.string()),
    /** Milliseconds from a watch event's arrival to the engine having it (last batch). */
    lagMs: z.number(),
    /** The Calico release whose behaviour the verdicts reproduce. */
    calico: z.object({
      version: z.enum(CALICO_VERSIONS),
      from: z.enum(CALICO_VERSION_ORIGINS),
      /** As ClusterInformation reports it (`v3.32.1`), when read from the cluster. */
      release: z.string().optional(),
    }),
  })
  .meta({ id: 'ClusterStatus' });

export type ChangeOp = (typeof CHANGE_OPS)[number];
export type ApiPolicyChange = z.infer<typeof policyChangeSchema>;
export type ChangeListResponse = z.infer<typeof changeListResponseSchema>;
export type KindStatus = z.infer<typeof kindStatusSchema>;
export type ClusterStatusResponse = z.infer<typeof clusterStatusSchema>;
