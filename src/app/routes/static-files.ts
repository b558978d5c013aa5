import type { Asset } from '../../assets/asset-source.js';
import type { AppContext, RouteInput } from '../context.js';
import { notFound } from '../http-error.js';
import { staticRelPath } from '../request-path.js';
import type { AppRequest, AppResponse } from '../types.js';

/** If-None-Match (RFC 9110 §13.1.2): weak comparison, '*' or a list of entity tags. */
function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

function notModified(
  asset: Asset,
  ifNoneMatch: string | undefined,
  ifModifiedSince: string | undefined,
): boolean {
  // §13.2.2: If-Modified-Since is ignored when If-None-Match is present.
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, asset.etag);
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && asset.lastModified.getTime() <= since;
}

/**
 * An asset as a response: validators, and a 304 when the request's conditionals match. The CGI
 * gateway answers its plain /static/ names with this too, so both give the same fields.
 */
export function assetResponse(asset: Asset, h: AppRequest['headers']): AppResponse {
  const headers: Record<string, string> = {
    'Content-Type': asset.contentType,
    ETag: asset.etag,
    'Last-Modified': asset.lastModified.toUTCString(),
    'Cache-Control': 'public, max-age=3600',
  };
  if (notModified(asset, h['if-none-match'], h['if-modified-since'])) {
    return { status: 304, headers, body: '' };
  }
  return { status: 200, headers, body: asset.body };
}

/** GET /static/... from the AssetSource: validators, 304s, and never a byte outside the static root. */
export async function staticFile(ctx: AppContext, input: RouteInput): Promise<AppResponse> {
  const asset = await ctx.assets.get(staticRelPath(input.path));
  if (asset === undefined) throw notFound('No such file.');
  return assetResponse(asset, input.req.headers);
}
