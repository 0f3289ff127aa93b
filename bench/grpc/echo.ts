// A bidi-streaming method that carries bytes as they are: the floor's service definition.
import type * as grpc from '@grpc/grpc-js';

const same = (bytes: Buffer) => bytes;

export const ECHO_DEFINITION: grpc.ServiceDefinition = {
  Connect: {
    path: '/bench.Echo/Connect',
    requestStream: true,
    responseStream: true,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  },
};
