// Resource loading: YAML/JSON → validated resources → ClusterState with every policy in the one
// internal PolicySpec form (reference §1, §7, §8, §9, §11).

export { CNP_TIERS } from './cnp.ts';
export type { TooDeep } from './depth.ts';
export { YAML_DEPTH_LIMIT, yamlTooDeep } from './depth.ts';
export type { LoadOptions, LoadResult, SourceText } from './load.ts';
export { loadObjects, loadResources } from './load.ts';
export { BUILTIN_TIERS, emptyClusterState, mergeStates } from './state.ts';
