/**
 * The app is a pure function from request to response: no sockets, no process.
 * Adapters in server/ (node:http, CGI/1.1) translate to and from these shapes, so the same
 * handler serves every stage of the ladder and is tested without a socket.
 */
export interface AppRequest {
  /** Upper-case method token as received, e.g. 'GET'. */
  method: string;
  /** The raw request-target (path + optional query), still percent-encoded, e.g. '/users/7?x=1'. */
  url: string;
  /** Header names lower-cased; repeated headers joined with ', ' (cookie with '; '). */
  headers: Record<string, string | undefined>;
  /** The request body (empty for GET). Adapters cap its size before it gets here. */
  body: Buffer;
}

export interface AppResponse {
  status: number;
  /** Header names as they should be sent; Set-Cookie may repeat, hence string[]. */
  headers: Record<string, string | string[]>;
  body: Buffer | string;
}

export type Handler = (req: AppRequest) => Promise<AppResponse>;

/** Limits every adapter enforces before calling the handler (413/431/414 are answered there). */
export const REQUEST_LIMITS = {
  maxUrlBytes: 2048,
  maxHeaderBytes: 8192,
  maxBodyBytes: 4096,
} as const;
