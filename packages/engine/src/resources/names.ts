// Name and label syntax of Kubernetes and Calico (reference §1.1, §1.7).

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9]|-(?!-))*$/;

export const isDnsLabel = (s: string): boolean => s.length <= 63 && DNS_LABEL.test(s);
export const isDnsSubdomain = (s: string): boolean => s.length <= 253 && DNS_SUBDOMAIN.test(s);

/** The rule a resource name must follow, as `[test, description]`. */
export type NameRule = readonly [(name: string) => boolean, string];

export const DNS_LABEL_RULE: NameRule = [
  isDnsLabel,
  'a DNS label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit, no dots',
];
export const DNS_SUBDOMAIN_RULE: NameRule = [
  isDnsSubdomain,
  'a DNS subdomain: at most 253 characters of lowercase letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit',
];

/** Calico NetworkPolicy / StagedNetworkPolicy: `label`, `label.label`, `knp.default.<subdomain>` or `ossg.default.<subdomain>`. */
export const CALICO_NP_NAME_RULE: NameRule = [
  (s) => {
    if (s.length > 253) return false;
    for (const prefix of ['knp.default.', 'ossg.default.']) {
      if (s.startsWith(prefix)) return isDnsSubdomain(s.slice(prefix.length));
    }
    const parts = s.split('.');
    return parts.length <= 2 && parts.every(isDnsLabel);
  },
  'a DNS label, or two DNS labels joined by one dot (tier.name), at most 253 characters',
];

/** GlobalNetworkPolicy / StagedGlobalNetworkPolicy: a DNS label optionally preceded by one `label.`. */
export const CALICO_GNP_NAME_RULE: NameRule = [
  (s) => s.length <= 253 && s.split('.').length <= 2 && s.split('.').every(isDnsLabel),
  'a DNS label optionally preceded by one "label." (tier.name), at most 253 characters',
];

/** IANA service name, used for named ports: 1–15 chars, lowercase alphanumerics and "-", at least one letter, no leading, trailing or double "-". */
export function isIanaServiceName(s: string): boolean {
  return s.length >= 1 && s.length <= 15 && IANA_SVC_NAME.test(s) && !s.endsWith('-') && /[a-z]/.test(s);
}

/** Kubernetes label key: optional DNS-subdomain prefix and "/", then a name of ≤ 63 characters. */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (!isDnsSubdomain(prefix)) return false;
  }
  return name.length >= 1 && name.length <= 63 && LABEL_NAME.test(name);
}

/** Kubernetes label value: empty, or ≤ 63 characters of alphanumerics, "-", "_" and ".", starting and ending alphanumeric. */
export const isLabelValue = (v: string): boolean => v === '' || (v.length <= 63 && LABEL_NAME.test(v));
