// Manifest files from disk, for the engine's loader.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import type { SourceText } from '@verdict/engine';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Thrown when a named path does not exist; the message names it. */
export class MissingPath extends Error {
  override readonly name = 'MissingPath';
}

/** Every manifest under the given paths: files as named, folders walked recursively in name order. */
export function readManifestFiles(paths: readonly string[]): SourceText[] {
  const sources: SourceText[] = [];
  const visit = (path: string, named: boolean) => {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path);
    } catch {
      throw new MissingPath(`${path} does not exist`);
    }
    if (stats.isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry), false);
    } else if (named || MANIFEST_EXTENSIONS.has(extname(path))) {
      sources.push({ file: relative(process.cwd(), path) || path, text: readFileSync(path, 'utf8') });
    }
  };
  for (const path of paths) visit(path, true);
  return sources;
}
