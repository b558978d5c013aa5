/**
 * An HTTP error answer a route can throw. The handler turns it into an error page; anything else
 * thrown becomes a plain 500 (never a stack trace in a response).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * Reason phrases for the statuses the app and its adapters send: the error page's title and the
 * CGI `Status:` line (a small table instead of node:http's STATUS_CODES, which would cost every
 * CGI request the import of node:http).
 */
const REASONS: Record<number, string> = {
  200: 'OK',
  303: 'See Other',
  304: 'Not Modified',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status < 400 ? 'OK' : status < 500 ? 'Client Error' : 'Server Error');
}

export const badRequest = (msg: string) => new HttpError(400, msg);
export const notFound = (msg = 'There is nothing here.') => new HttpError(404, msg);

/** 405 with the Allow header RFC 9110 §15.5.6 requires. */
export function methodNotAllowed(allow: readonly string[]): HttpError {
  return new HttpError(405, 'That method is not allowed here.', { Allow: allow.join(', ') });
}
