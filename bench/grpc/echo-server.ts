// The floor of bench/grpc/load.ts: a bare grpc-js bidi echo in its own process (as `verdict serve` is),
// answering every message with an empty one and doing nothing else. Prints its port on stdout.
//   node --import tsx bench/grpc/echo-server.ts '<grpc server options as JSON>'
import * as grpc from '@grpc/grpc-js';
import { ECHO_DEFINITION } from './echo.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as grpc.ServerOptions;
const server = new grpc.Server(options);
const empty = Buffer.alloc(0);
server.addService(ECHO_DEFINITION, {
  Connect: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    call.on('data', () => call.write(empty));
    call.on('end', () => call.end());
    call.on('error', () => {});
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${port}\n`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
