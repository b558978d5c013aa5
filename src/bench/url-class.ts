/**
 * URL classes: what a request is for, stored as a small integer on the hot path (an index into
 * the recorder's per-class histograms) and named in results as `classes.<name>`. Without --page
 * every request is 'url'; with it, 'page' is the HTML document and 'asset' its subresources.
 */
export const CLS_URL = 0;
export const CLS_PAGE = 1;
export const CLS_ASSET = 2;
export const CLS_LOGIN = 3;
export const CLASS_NAMES = ['url', 'page', 'asset', 'login'] as const;
