/**
 * Where static files come from. The static handler takes an AssetSource (hono's serve-static takes
 * getContent the same way): the memcached stage injects a source that also fills memcached
 * (the talk's CherryPy "tool"), not another handler.
 */
export interface Asset {
  /** The request path this asset answers, e.g. '/static/site.css'. */
  path: string;
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
}

export interface AssetSource {
  /** `relPath` is already decoded and validated: no '..', no NUL, relative to the static root. */
  get(relPath: string): Promise<Asset | undefined>;
  close(): Promise<void>;
}
