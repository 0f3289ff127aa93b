// `verdict install`: the manifests that run Verdict in a cluster, printed to pipe into `kubectl apply -f -`.
// Objects are typed with the Kubernetes API models, so a misspelt field is a compile error; the tests
// validate every object against the Kubernetes OpenAPI schemas at run time.
import type { ReadRule } from '@verdict/cluster';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { stringify } from 'yaml';

export const INSTALL_MODES = ['tail-goldmane', 'replace-goldmane', 'standalone'] as const;
export type InstallMode = (typeof INSTALL_MODES)[number];
export const EXPOSE_MODES = ['none', 'port-forward'] as const;
export type ExposeMode = (typeof EXPOSE_MODES)[number];

export interface InstallOptions {
  namespace: string;
  mode: InstallMode;
  /** Size of the volume that holds the SQLite store, e.g. `20Gi`. */
  storage: string;
  expose: ExposeMode;
  image: string;
  /** Goldmane's address, in tail-goldmane mode. */
  goldmane: string;
  /** The watcher's read-only rules (the ClusterRole lists exactly these). */
  readRules: readonly ReadRule[];
  version: string;
  /** With `expose: none`: pass `--allow-writes`, so callers with a write token may ingest, apply and promote. */
  allowWrites?: boolean;
}

/** Ports and paths inside the pod, shared by the manifests and the documentation. */
export const INSTALL_LAYOUT = {
  httpPort: 8080,
  grpcPort: 7443,
  dataDir: '/var/lib/verdict',
  grpcTlsDir: '/etc/verdict/grpc-tls',
  goldmaneTlsDir: '/etc/verdict/goldmane-tls',
  authDir: '/etc/verdict/auth',
  /** Secret with `tls.crt`, `tls.key` and `ca.crt`: Verdict's gRPC server certificate (replace-goldmane). */
  grpcTlsSecret: 'verdict-grpc-tls',
  /** Secret with `tls.crt`, `tls.key` and `ca.crt`: Verdict's client certificate for Goldmane (tail-goldmane). */
  goldmaneTlsSecret: 'verdict-goldmane-tls',
  /** Secret with a `tokens` file: bearer tokens for the HTTP API (expose none). */
  authSecret: 'verdict-auth',
  uid: 10001,
} as const;

const TCP = 'TCP' as const;
const UDP = 'UDP' as const;

type Manifest =
  | INamespace
  | IServiceAccount
  | IClusterRole
  | IClusterRoleBinding
  | IService
  | IStatefulSet
  | INetworkPolicy;

/** The objects to apply, in apply order. */
export function installManifests(options: InstallOptions): Manifest[] {
  const { namespace, mode, expose } = options;
  const L = INSTALL_LAYOUT;
  const labels = { 'app.kubernetes.io/name': 'verdict', 'app.kubernetes.io/instance': 'verdict' };
  const metadata = (name: string) => ({
    name,
    namespace,
    labels: {
      ...labels,
      'app.kubernetes.io/version': options.version,
      'app.kubernetes.io/managed-by': 'verdict-install',
    },
  });
  const grpcServed = mode !== 'tail-goldmane';
  // Off the pod's loopback, gRPC needs mutual TLS (serve refuses to start otherwise): only replace-goldmane has its Secret.
  const grpcOnNetwork = mode === 'replace-goldmane';
  const inCluster = expose === 'none';

  const args = [
    'serve',
    '--kubeconfig',
    '--store',
    'sqlite',
    '--data-dir',
    L.dataDir,
    '--http-host',
    inCluster ? '0.0.0.0' : '127.0.0.1',
    '--http-port',
    String(L.httpPort),
  ];
  if (inCluster) {
    // Off the pod's loopback serve requires an auth mode: bearer tokens from the Secret, re-read when it changes.
    args.push('--auth-token-file', `${L.authDir}/tokens`);
    if (options.allowWrites) args.push('--allow-writes');
    // The names in-cluster clients reach the HTTP Service by (the Host header check answers to these).
    for (const host of [
      'verdict',
      `verdict.${namespace}`,
      `verdict.${namespace}.svc`,
      `verdict.${namespace}.svc.cluster.local`,
    ])
      args.push('--allowed-host', host);
  }
  if (grpcServed) args.push('--grpc-host', grpcOnNetwork ? '0.0.0.0' : '127.0.0.1', '--grpc-port', String(L.grpcPort));
  else args.push('--grpc-port', '-1');
  if (mode === 'replace-goldmane') {
    args.push(
      '--grpc-tls-cert',
      `${L.grpcTlsDir}/tls.crt`,
      '--grpc-tls-key',
      `${L.grpcTlsDir}/tls.key`,
      '--grpc-tls-ca',
      `${L.grpcTlsDir}/ca.crt`,
    );
  }
  if (mode === 'tail-goldmane') {
    args.push(
      '--goldmane',
      options.goldmane,
      '--goldmane-ca',
      `${L.goldmaneTlsDir}/ca.crt`,
      '--goldmane-cert',
      `${L.goldmaneTlsDir}/tls.crt`,
      '--goldmane-key',
      `${L.goldmaneTlsDir}/tls.key`,
    );
  }

  const secretVolumes = [
    ...(mode === 'replace-goldmane' ? [{ name: 'grpc-tls', secret: L.grpcTlsSecret, path: L.grpcTlsDir }] : []),
    ...(mode === 'tail-goldmane'
      ? [{ name: 'goldmane-tls', secret: L.goldmaneTlsSecret, path: L.goldmaneTlsDir }]
      : []),
    ...(inCluster ? [{ name: 'auth', secret: L.authSecret, path: L.authDir }] : []),
  ];

  // With the HTTP server on the pod's loopback (reached by `kubectl port-forward`), the kubelet cannot
  // reach it, so the probes ask from inside the container.
  const probe = (path: string) =>
    inCluster
      ? { httpGet: { path, port: 'http' } }
      : {
          exec: {
            command: [
              'node',
              '-e',
              `fetch('http://127.0.0.1:${L.httpPort}${path}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
            ],
          },
        };

  const namespaceObject: INamespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespace,
      labels: {
        ...labels,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
    },
  };
  const serviceAccount: IServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata('verdict') };
  const clusterRole: IClusterRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: `verdict-${namespace}-read`, labels },
    rules: options.readRules.map((rule) => ({
      apiGroups: [...rule.apiGroups],
      resources: [...rule.resources],
      ...(rule.resourceNames ? { resourceNames: [...rule.resourceNames] } : {}),
      verbs: [...rule.verbs],
    })),
  };
  const binding: IClusterRoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: `verdict-${namespace}-read`, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole.metadata?.name ?? '' },
    subjects: [{ kind: 'ServiceAccount', name: 'verdict', namespace }],
  };
  const httpService: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata('verdict'),
    spec: {
      selector: labels,
      ports: [{ name: 'http', port: L.httpPort, targetPort: 'http', protocol: TCP, appProtocol: 'http' }],
    },
  };
  const grpcService: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata('verdict-grpc'),
    spec: {
      selector: labels,
      ports: [{ name: 'grpc', port: L.grpcPort, targetPort: 'grpc', protocol: TCP, appProtocol: 'grpc' }],
    },
  };

  const statefulSet: IStatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata('verdict'),
    spec: {
      serviceName: 'verdict',
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: 'verdict',
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: L.uid,
            runAsGroup: L.uid,
            fsGroup: L.uid,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'verdict',
              image: options.image,
              imagePullPolicy: 'IfNotPresent',
              args,
              ports: [
                { name: 'http', containerPort: L.httpPort, protocol: TCP },
                ...(grpcServed ? [{ name: 'grpc', containerPort: L.grpcPort, protocol: TCP }] : []),
              ],
              env: [{ name: 'NODE_ENV', value: 'production' }],
              resources: {
                requests: { cpu: '100m', memory: '256Mi' },
                limits: { cpu: '1', memory: '1Gi' },
              },
              livenessProbe: { ...probe('/livez'), periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
              readinessProbe: { ...probe('/readyz'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
              startupProbe: { ...probe('/livez'), periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 60 },
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [
                { name: 'data', mountPath: L.dataDir },
                { name: 'tmp', mountPath: '/tmp' },
                ...secretVolumes.map((v) => ({ name: v.name, mountPath: v.path, readOnly: true })),
              ],
            },
          ],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ...secretVolumes.map((v) => ({ name: v.name, secret: { secretName: v.secret, defaultMode: 0o440 } })),
          ],
        },
      },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data', labels },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: options.storage } } },
        },
      ],
    },
  };

  const networkPolicy: INetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata('verdict'),
    spec: {
      podSelector: { matchLabels: labels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        // kubectl port-forward does not pass through pod networking, so port-forward needs no rule.
        ...(inCluster ? [{ ports: [{ port: 'http', protocol: TCP }], from: [{ namespaceSelector: {} }] }] : []),
        // Felix runs on the host network, so it connects from node addresses: the port is open and mTLS
        // (client certificates signed by the CA in the Secret) decides who may push flows.
        ...(mode === 'replace-goldmane' ? [{ ports: [{ port: 'grpc', protocol: TCP }] }] : []),
      ],
      egress: [
        {
          ports: [
            { port: 53, protocol: UDP },
            { port: 53, protocol: TCP },
          ],
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
        },
        // The API server is not a pod a selector can name: its ports, to any address.
        {
          ports: [
            { port: 443, protocol: TCP },
            { port: 6443, protocol: TCP },
          ],
        },
        ...(mode === 'tail-goldmane'
          ? [
              {
                ports: [{ port: Number(options.goldmane.split(':').pop() ?? L.grpcPort), protocol: TCP }],
                to: [
                  {
                    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'calico-system' } },
                    podSelector: { matchLabels: { 'k8s-app': 'goldmane' } },
                  },
                ],
              },
            ]
          : []),
      ],
    },
  };

  return [
    namespaceObject,
    serviceAccount,
    clusterRole,
    binding,
    httpService,
    ...(grpcOnNetwork ? [grpcService] : []),
    statefulSet,
    networkPolicy,
  ];
}

/** What the user must create before applying, per mode, as comment lines for the printed YAML. */
export function installNotes(options: Pick<InstallOptions, 'namespace' | 'mode' | 'expose'>): string[] {
  const L = INSTALL_LAYOUT;
  const notes = [`Verdict ${options.mode} in namespace ${options.namespace}: verdict install | kubectl apply -f -`];
  if (options.mode === 'replace-goldmane')
    notes.push(
      `Needs Secret ${L.grpcTlsSecret} (tls.crt, tls.key: a server certificate for verdict-grpc.${options.namespace}.svc; ca.crt: the CA that signed Felix's client certificate),`,
      `then point Felix at it: kubectl patch felixconfiguration default --type merge -p '{"spec":{"flowLogsGoldmaneServer":"verdict-grpc.${options.namespace}.svc:${L.grpcPort}"}}'`,
    );
  if (options.mode === 'tail-goldmane')
    notes.push(
      `Needs Secret ${L.goldmaneTlsSecret} (tls.crt, tls.key: a client certificate Goldmane accepts; ca.crt: the CA that signed Goldmane's certificate).`,
    );
  if (options.expose === 'none')
    notes.push(
      `Needs Secret ${L.authSecret}: a "tokens" file, one "<token> <read|write> [name]" per line (re-read when the Secret changes), e.g.`,
      `kubectl -n ${options.namespace} create secret generic ${L.authSecret} --from-literal=tokens="$(openssl rand -hex 32) read viewer"`,
      `Browsers sign in at /signin with a token; scripts send "Authorization: Bearer <token>". Writes (ingest, apply, promote) need --allow-writes and a write token.`,
    );
  else
    notes.push(
      `The UI: kubectl -n ${options.namespace} port-forward svc/verdict ${L.httpPort}:http (or: kubectl verdict open)`,
    );
  return notes;
}

/** The manifests as YAML documents (with the notes as comments) or as a JSON `List`. */
export function renderManifests(options: InstallOptions, format: 'yaml' | 'json'): string {
  const manifests = installManifests(options);
  if (format === 'json') return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }, null, 2);
  const header = installNotes(options).map((line) => `# ${line}`);
  return [...header, ...manifests.map((manifest) => `---\n${stringify(manifest, { lineWidth: 0 }).trimEnd()}`)].join(
    '\n',
  );
}
