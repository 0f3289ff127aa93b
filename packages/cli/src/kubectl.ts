#!/usr/bin/env node
// `kubectl-verdict`: Verdict as a kubectl plugin (kubectl runs `kubectl-verdict` from PATH for
// `kubectl verdict ...`). Every command uses kubectl itself, so the current kubeconfig context,
// credentials and `--context` behave as they do for kubectl.
import { createReadStream, existsSync } from 'node:fs';
import { runPlugin } from './plugin.ts';
import { UsageError } from './usage.ts';

// A reader that closes the pipe early (`verdict evaluate ... | head`) ends the output, not the process with a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runPlugin(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  stdin: process.stdin,
  openFile: (path) => {
    if (!existsSync(path)) throw new UsageError(`${path} does not exist`);
    return createReadStream(path);
  },
  ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
});
