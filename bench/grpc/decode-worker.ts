// bench/grpc/worker.ts's worker: decodes a transferred batch of FlowUpdates and sends the flows back.
import { parentPort } from 'node:worker_threads';
import { decodeFlowUpdate } from '../../packages/server/src/goldmane/flow-update.ts';

// `reply: 'flows'` sends the decoded flows back; `'count'` only how many decoded (as a worker that
// also held the store would).
parentPort?.on('message', ({ bytes, ends, reply }: { bytes: ArrayBuffer; ends: Uint32Array; reply: string }) => {
  const buffer = Buffer.from(bytes);
  const flows = [];
  let from = 0;
  for (const end of ends) {
    flows.push(decodeFlowUpdate(buffer.subarray(from, end))?.flow);
    from = end;
  }
  parentPort?.postMessage(reply === 'flows' ? flows : flows.length);
});
parentPort?.postMessage('ready');
