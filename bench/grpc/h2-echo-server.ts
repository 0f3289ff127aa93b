// The second floor of bench/grpc/load.ts: a bare echo on plain `node:http2` with gRPC's framing (each
// message a 5-byte prefix, flag and big-endian length, then its bytes), in its own process: every
// message in is answered with an empty message, and the stream ends with `grpc-status: 0` in
// trailers. No grpc-js: what Node's HTTP/2 itself costs for the same exchange. Prints its port.
//   node --import tsx bench/grpc/h2-echo-server.ts
import { createServer, type ServerHttp2Stream } from 'node:http2';

const EMPTY_MESSAGE = Buffer.alloc(5);
const server = createServer();
server.on('stream', (stream: ServerHttp2Stream) => {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  // Bytes of an incomplete message carried over to the next chunk.
  let pending: Buffer | undefined;
  stream.on('data', (chunk: Buffer) => {
    let data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    pending = undefined;
    while (data.length >= 5) {
      const end = 5 + data.readUInt32BE(1);
      if (data.length < end) break;
      stream.write(EMPTY_MESSAGE);
      data = data.subarray(end);
    }
    if (data.length > 0) pending = data;
  });
  stream.on('end', () => stream.end());
  stream.on('error', () => {});
});
server.on('sessionError', () => {});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
