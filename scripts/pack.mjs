#!/usr/bin/env node
// `npm run pack`: the npm tarballs of every package, from the JavaScript `npm run build` wrote.
// In the repository each package's `exports` point at its TypeScript source (tests and `npm start`
// run from source); the packed package.json points them at the built files instead, names the
// `verdict` and `kubectl-verdict` bins, and pins sibling packages to this version.
// Writes build/packages/<name>/ (what is packed) and build/tarballs/: the *.tgz, and a package.json
// with a package-lock.json that pins every dependency to the version the repository's lock file
// installs, so that `npm ci --offline` in a copy of that folder installs Verdict from the tarballs and
// the npm cache alone. Prints the tarball paths.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const built = join(root, 'build/js');
const staging = join(root, 'build/packages');
const tarballs = join(root, 'build/tarballs');
if (!existsSync(built)) throw new Error('build/js is missing: run "npm run build" first');
rmSync(staging, { recursive: true, force: true });
rmSync(tarballs, { recursive: true, force: true });
mkdirSync(tarballs, { recursive: true });

/** `./src/a/b.ts` → `./dist/a/b.js`, and its declaration file. */
const builtPath = (source) => source.replace(/^\.\/src\//, './dist/').replace(/\.tsx?$/, '.js');
const typesPath = (source) => builtPath(source).replace(/\.js$/, '.d.ts');

const folders = readdirSync(join(root, 'packages')).filter((name) =>
  existsSync(join(root, 'packages', name, 'package.json')),
);
const manifests = new Map(
  folders.map((folder) => [folder, JSON.parse(readFileSync(join(root, 'packages', folder, 'package.json'), 'utf8'))]),
);
const names = new Set([...manifests.values()].map((manifest) => manifest.name));
const pinSiblings = (deps = {}) =>
  Object.fromEntries(
    Object.entries(deps).map(([name, range]) => [
      name,
      names.has(name) ? manifests.get(folderOf(name)).version : range,
    ]),
  );
const folderOf = (name) => [...manifests].find(([, manifest]) => manifest.name === name)?.[0];

const packedManifests = new Map();
for (const [folder, manifest] of manifests) {
  const source = join(root, 'packages', folder);
  const target = join(staging, folder);
  mkdirSync(target, { recursive: true });
  const packed = {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    license: manifest.license ?? 'Apache-2.0',
    type: 'module',
    engines: { node: '>=20.19' },
  };
  if (folder === 'web') {
    // The UI is static files served by `verdict serve`: only the bundle, no dependencies.
    if (!existsSync(join(source, 'dist/index.html')))
      throw new Error('packages/web/dist is missing: run "npm run build"');
    cpSync(join(source, 'dist'), join(target, 'dist'), { recursive: true });
    packed.files = ['dist'];
  } else {
    cpSync(join(built, folder, 'src'), join(target, 'dist'), {
      recursive: true,
      filter: (path) => !/\.test\.(js|d\.ts|js\.map)$/.test(path),
    });
    // Files the code reads at run time beside its source (e.g. the demo's manifests, the .proto).
    for (const entry of readdirSync(source, { withFileTypes: true })) {
      if (entry.isDirectory() && !['src', 'test', 'dist', 'node_modules'].includes(entry.name))
        cpSync(join(source, entry.name), join(target, entry.name), { recursive: true });
    }
    packed.exports = Object.fromEntries(
      Object.entries(manifest.exports ?? { '.': './src/index.ts' }).map(([path, file]) => [
        path,
        { types: typesPath(file), default: builtPath(file) },
      ]),
    );
    if (manifest.bin)
      packed.bin = Object.fromEntries(Object.entries(manifest.bin).map(([name, file]) => [name, builtPath(file)]));
    packed.dependencies = pinSiblings(manifest.dependencies);
  }
  writeFileSync(join(target, 'package.json'), `${JSON.stringify(packed, null, 2)}\n`);
  const readme = join(folder === 'cli' ? root : source, 'README.md');
  if (existsSync(readme)) cpSync(readme, join(target, 'README.md'));
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', tarballs], {
    cwd: target,
    encoding: 'utf8',
  });
  const filename = JSON.parse(output)[0].filename;
  packedManifests.set(manifest.name, { manifest: packed, filename, folder });
  console.log(join(tarballs, filename));
}

writeInstallKit();

/** build/tarballs/package.json and package-lock.json: the tarballs, and their dependencies as the repository locks them. */
function writeInstallKit() {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
  const packages = {};
  const rootDeps = {};
  // Where a package of the repository's lock lives, and where it goes in the install folder.
  const queue = [];
  for (const [name, { manifest, filename, folder }] of packedManifests) {
    rootDeps[name] = `file:${filename}`;
    const tgz = readFileSync(join(tarballs, filename));
    packages[`node_modules/${name}`] = {
      version: manifest.version,
      resolved: `file:${filename}`,
      integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`,
      license: manifest.license,
      ...(manifest.dependencies && Object.keys(manifest.dependencies).length
        ? { dependencies: manifest.dependencies }
        : {}),
      ...(manifest.bin ? { bin: manifest.bin } : {}),
      engines: manifest.engines,
    };
    for (const dep of Object.keys(manifest.dependencies ?? {}))
      if (!names.has(dep)) queue.push({ from: `packages/${folder}`, dep });
  }
  while (queue.length > 0) {
    const { from, dep } = queue.shift();
    // Node's lookup: the nearest node_modules folder up from the requiring package.
    let base = from;
    let location;
    for (;;) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${dep}`;
      if (lock[candidate]) {
        location = candidate;
        break;
      }
      if (!base) break;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut >= 0 ? base.slice(0, cut) : '';
    }
    if (!location) throw new Error(`${dep} (needed by ${from}) is not in package-lock.json: run npm install`);
    const entry = lock[location];
    // A workspace's own nested node_modules moves under the installed package.
    const workspace = /^packages\/([^/]+)\//.exec(location);
    const target = workspace
      ? `node_modules/${manifests.get(workspace[1]).name}/${location.slice(workspace[0].length)}`
      : location;
    if (packages[target]) continue;
    const { dev, devOptional, peer, ...kept } = entry;
    packages[target] = kept;
    const required = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const [peerName, meta] of Object.entries(entry.peerDependenciesMeta ?? {}))
      if (meta.optional) delete required[peerName];
    for (const [peerName] of Object.entries(entry.peerDependencies ?? {}))
      if (!entry.peerDependenciesMeta?.[peerName]?.optional) required[peerName] = entry.peerDependencies[peerName];
    for (const next of Object.keys(required)) {
      if (entry.optionalDependencies?.[next] && !lockHas(lock, location, next)) continue;
      queue.push({ from: location, dep: next });
    }
  }
  // npm runs only the install scripts a project allows: the repository's list, for what is installed here.
  const allowed = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).allowScripts ?? {};
  const allowScripts = Object.fromEntries(
    Object.entries(allowed).filter(([name]) => packages[`node_modules/${name}`]?.hasInstallScript),
  );
  const kit = { name: 'verdict-install', version: '0.0.0', private: true, dependencies: rootDeps, allowScripts };
  writeFileSync(join(tarballs, 'package.json'), `${JSON.stringify(kit, null, 2)}\n`);
  const lockfile = {
    name: kit.name,
    version: kit.version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: kit.name, version: kit.version, dependencies: rootDeps }, ...packages },
  };
  writeFileSync(join(tarballs, 'package-lock.json'), `${JSON.stringify(lockfile, null, 2)}\n`);
}

function lockHas(lock, from, dep) {
  let base = from;
  for (;;) {
    if (lock[`${base ? `${base}/` : ''}node_modules/${dep}`]) return true;
    if (!base) return false;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut >= 0 ? base.slice(0, cut) : '';
  }
}
