// Access control of the HTTP server: the token file, the auth modes and the write role.
export type { AccessOptions, Caller, ProxyAuth } from './control.ts';
export { accessControl, isWrite, OPEN_PATHS, SESSION_COOKIE, SESSION_SECONDS } from './control.ts';
export type { Role, TokenEntry, TokenFile, TokenFileOptions } from './tokens.ts';
export { MIN_TOKEN_LENGTH, openTokenFile, parseTokenFile, TokenFileError } from './tokens.ts';
