#!/usr/bin/env node
// Entry point of the `verdict` command.
import { createReadStream } from 'node:fs';
import { run } from './run.ts';

const code = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  stdin: process.stdin,
  openFile: (path) => createReadStream(path),
});
process.exitCode = code;
