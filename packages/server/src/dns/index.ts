// DNS answers over HTTP: an NDJSON import kept with the flow retention, for the egress report.
export type { DnsAnswer, DnsAnswersOptions, DnsImportResult, DnsSummary } from './answers.ts';
export { DEFAULT_MAX_DNS_PAIRS, DNS_ANSWERS_FILE, DnsAnswers } from './answers.ts';
export type { DnsDeps, DnsLimits } from './routes.ts';
export { createDnsRoutes, DEFAULT_DNS_LIMITS } from './routes.ts';
