import type { NginxSite } from '../../src/stages/common/nginx-conf.js';
import { memcachedOnlySite, memcachedSite } from '../../src/stages/memcached/index.js';
import { proxySite } from '../../src/stages/nginx/index.js';
import { staticSite } from '../../src/stages/nginx-static/index.js';
import { proxyCacheSite } from '../../src/stages/proxy-cache/index.js';

/** Every nginx.conf the stages render, each with its golden file test/fixtures/golden/nginx-<variant>.conf. */
export const NGINX_SITES: readonly NginxSite[] = [
  proxySite,
  memcachedSite,
  staticSite,
  proxyCacheSite,
  memcachedOnlySite,
];
export type Variant = string;

export function siteNamed(variant: Variant): NginxSite {
  const site = NGINX_SITES.find((s) => s.variant === variant);
  if (site === undefined) throw new Error(`no nginx site '${variant}'`);
  return site;
}
