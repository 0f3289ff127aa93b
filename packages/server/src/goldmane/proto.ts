// Loads goldmane.proto once with the proto-loader options the codec expects.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const GOLDMANE_PROTO_PATH = fileURLToPath(new URL('../../proto/goldmane.proto', import.meta.url));

/** The options every Goldmane codec function assumes (numbers for int64, enum names, defaults filled in). */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface GoldmaneGrpc {
  Flows: grpc.ServiceClientConstructor;
  FlowCollector: grpc.ServiceClientConstructor;
  Statistics: grpc.ServiceClientConstructor;
}

let cached: GoldmaneGrpc | undefined;
let definition: protoLoader.PackageDefinition | undefined;

const packageDefinition = () => (definition ??= protoLoader.loadSync(GOLDMANE_PROTO_PATH, PROTO_LOADER_OPTIONS));

/** The value names of enum `goldmane.<name>`, indexed by number (holes for unused numbers). */
export function goldmaneEnumNames(name: string): string[] {
  const descriptor = packageDefinition()[`goldmane.${name}`] as
    | { type?: { value?: { name: string; number: number }[] } }
    | undefined;
  const values = descriptor?.type?.value;
  if (values === undefined) throw new Error(`goldmane.proto has no enum ${name}`);
  const names: string[] = [];
  for (const value of values) names[value.number] = value.name;
  return names;
}

/** Service constructors for package `goldmane`; use them for clients, or `.service` for definitions. */
export function loadGoldmaneGrpc(): GoldmaneGrpc {
  if (cached === undefined) {
    const pkg = grpc.loadPackageDefinition(packageDefinition()).goldmane as grpc.GrpcObject;
    cached = {
      Flows: pkg.Flows as grpc.ServiceClientConstructor,
      FlowCollector: pkg.FlowCollector as grpc.ServiceClientConstructor,
      Statistics: pkg.Statistics as grpc.ServiceClientConstructor,
    };
  }
  return cached;
}
