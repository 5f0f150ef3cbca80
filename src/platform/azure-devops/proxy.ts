import * as tl from 'azure-pipelines-task-lib/task.js';
import { quietly } from './quiet.js';

/**
 * A self-hosted agent behind a proxy passes its settings as Agent.ProxyUrl / ProxyUsername / ProxyPassword /
 * ProxyBypassList variables, not as the HTTPS_PROXY / NO_PROXY environment the Azure SDK reads; this bridges the
 * two before any client is created. Proxy variables set explicitly in the environment win.
 */
export function useAgentProxy(env: NodeJS.ProcessEnv): void {
  if (['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY'].some((name) => env[name] || env[name.toLowerCase()])) return;
  const proxy = quietly(() => tl.getHttpProxyConfiguration());
  if (!proxy) return;
  const url = new URL(proxy.proxyUrl);
  if (proxy.proxyUsername) {
    // The URL setters percent-encode, so a password with '@' or ':' survives; the proxy agent decodes it.
    url.username = proxy.proxyUsername;
    url.password = proxy.proxyPassword ?? '';
  }
  if (url.password) {
    tl.setSecret(proxy.proxyPassword ?? '');
    tl.setSecret(url.password);
  }
  env.HTTPS_PROXY = url.href;
  env.HTTP_PROXY = url.href;
  // The agent's bypass list holds regular expressions; NO_PROXY takes host names, so only plain hosts carry over.
  const bypass = proxy.proxyBypassHosts ?? [];
  const hosts = bypass.map((pattern) => pattern.replace(/\\\./g, '.').replace(/^\^|\$$/g, ''));
  const plain = hosts.filter((host) => /^[A-Za-z0-9.-]+$/.test(host));
  if (plain.length > 0 && !env.NO_PROXY && !env.no_proxy) env.NO_PROXY = plain.join(',');
  const skipped = bypass.filter((_, i) => !plain.includes(hosts[i]!));
  if (skipped.length > 0)
    tl.debug(`Proxy bypass patterns that are not host names are not applied: ${skipped.join(', ')}`);
  console.log(`Using the agent's proxy ${url.origin}`);
}
