import { type AppRequest, type AppResponse, reasonPhrase } from '../../app/index.js';
import { FkError } from '../../errors.js';

/**
 * CGI/1.1 (RFC 3875) as pure functions: the script side (meta-variables -> AppRequest,
 * AppResponse -> CGI response) and the host side (CGI response -> status, headers, body).
 * No imports beyond types, errors and the app's reason phrases (loaded by the script anyway): the
 * CGI script loads this once per request, and the talk's point about 0.1 is exactly that start-up
 * cost ("loading the modules needed by the application").
 */
export type CgiEnv = Record<string, string | undefined>;

/**
 * The raw request-target. REQUEST_URI is not in RFC 3875, but lighttpd, Apache and nginx all set it
 * and it is the only variable still percent-encoded: PATH_INFO is decoded by the server (RFC 3875
 * 4.1.5), so `/static/%FF.css` would reach the app as a U+FFFD path and its 400 logic would never
 * see the bad encoding. Only when the host gives no REQUEST_URI is the target rebuilt from
 * SCRIPT_NAME + PATH_INFO + QUERY_STRING.
 */
export function requestTargetFromCgiEnv(env: CgiEnv): string {
  const uri = env.REQUEST_URI;
  if (uri !== undefined && uri !== '') {
    if (uri.startsWith('/')) return uri;
    // absolute-form (RFC 9112 3.2.2): keep path and query only.
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*(.*)$/.exec(uri);
    if (m) return m[1] === '' || m[1]!.startsWith('?') ? `/${m[1]}` : m[1]!;
    return uri;
  }
  const path = encodePath((env.SCRIPT_NAME ?? '') + (env.PATH_INFO ?? '')) || '/';
  const query = env.QUERY_STRING ?? '';
  return query === '' ? path : `${path}?${query}`;
}

/** Re-encodes a decoded path: '?' and '#' were data, not delimiters, once the server decoded them. */
function encodePath(decoded: string): string {
  let encoded: string;
  try {
    encoded = encodeURI(decoded);
  } catch {
    encoded = encodeURI(decoded.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
  }
  return encoded.replace(/[?#]/g, (c) => (c === '?' ? '%3F' : '%23'));
}

/** Header fields from HTTP_* meta-variables (RFC 3875 4.1.18) plus CONTENT_TYPE/CONTENT_LENGTH. */
export function headersFromCgiEnv(env: CgiEnv): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || !key.startsWith('HTTP_') || key.length === 5) continue;
    headers[key.slice(5).toLowerCase().replace(/_/g, '-')] = value;
  }
  if (env.CONTENT_TYPE !== undefined && env.CONTENT_TYPE !== '') headers['content-type'] = env.CONTENT_TYPE;
  const length = contentLengthOf(env);
  // Hosts such as lighttpd send CONTENT_LENGTH=0 for every GET; only a real body is a header.
  if (length !== undefined && length > 0) headers['content-length'] = String(length);
  if (headers.host === undefined && env.SERVER_NAME !== undefined) {
    const port = env.SERVER_PORT;
    headers.host = port === undefined || port === '80' ? env.SERVER_NAME : `${env.SERVER_NAME}:${port}`;
  }
  return headers;
}

/** CONTENT_LENGTH as a number; undefined when absent, empty or not a plain decimal. */
export function contentLengthOf(env: CgiEnv): number | undefined {
  const raw = env.CONTENT_LENGTH;
  if (raw === undefined || !/^\d{1,15}$/.test(raw)) return undefined;
  return Number(raw);
}

export function requestFromCgiEnv(env: CgiEnv, stdinBody: Buffer): AppRequest {
  const length = contentLengthOf(env) ?? 0;
  return {
    method: env.REQUEST_METHOD === undefined || env.REQUEST_METHOD === '' ? 'GET' : env.REQUEST_METHOD,
    url: requestTargetFromCgiEnv(env),
    headers: headersFromCgiEnv(env),
    // The server sends exactly CONTENT_LENGTH bytes (RFC 3875 4.2); never trust more than that.
    body: stdinBody.length > length ? stdinBody.subarray(0, length) : stdinBody,
  };
}

/** What a CGI host knows of one request (node:http's IncomingMessage fits this shape). */
export interface CgiHostRequest {
  method?: string;
  url?: string;
  httpVersion: string;
  /** Names and values alternating, as received (repeats kept). */
  rawHeaders: string[];
  headers: { 'content-type'?: string; 'content-length'?: string };
  socket: { remoteAddress?: string; remotePort?: number };
}

export interface CgiHostSide {
  bodyLength: number;
  scriptPath: string;
  /** The listening address, for SERVER_NAME / SERVER_PORT. */
  local?: { address: string; port: number };
}

// The script's PATH: fixed, not the host's (RFC 3875 leaves it to the server; lighttpd passes none).
const SCRIPT_PATH_ENV = '/usr/local/bin:/usr/bin:/bin';

/** RFC 3875 section 4.1 meta-variables for one request (plus REQUEST_URI, which every host sets). */
export function cgiEnvFor(req: CgiHostRequest, at: CgiHostSide): CgiEnv {
  const { bodyLength, scriptPath, local } = at;
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  let pathInfo: string;
  try {
    pathInfo = decodeURIComponent(rawPath);
  } catch {
    pathInfo = rawPath; // the app sees REQUEST_URI and answers the bad encoding with 400
  }
  // An environment string cannot hold NUL (execve); the app still sees the raw %00 in REQUEST_URI.
  if (pathInfo.includes('\0')) pathInfo = rawPath;
  const env: CgiEnv = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'flickr-killr-cgi-gateway',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_NAME: local?.address ?? '127.0.0.1',
    SERVER_ADDR: local?.address ?? '127.0.0.1',
    SERVER_PORT: String(local?.port ?? 80),
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    REMOTE_PORT: String(req.socket.remotePort ?? ''),
    REQUEST_METHOD: req.method ?? 'GET',
    REQUEST_URI: target,
    SCRIPT_NAME: '',
    SCRIPT_FILENAME: scriptPath,
    PATH_INFO: pathInfo,
    QUERY_STRING: q === -1 ? '' : target.slice(q + 1),
    PATH: SCRIPT_PATH_ENV,
  };
  if (bodyLength > 0 || req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = String(bodyLength);
  if (req.headers['content-type'] !== undefined) env.CONTENT_TYPE = req.headers['content-type'];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    // Content-* are meta-variables of their own; Proxy must never become HTTP_PROXY ("httpoxy");
    // names with '_' would be indistinguishable from '-' ones, so they are dropped as nginx does.
    if (name === 'content-type' || name === 'content-length' || name === 'proxy' || name.includes('_'))
      continue;
    const key = `HTTP_${name.toUpperCase().replace(/-/g, '_')}`;
    const prev = env[key];
    env[key] = prev === undefined ? value : `${prev}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return env;
}

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The CGI response document (RFC 3875 6): `Status:` first, then the header fields (Set-Cookie
 * once per cookie: RFC 6265 3 forbids folding them), a blank line, the body. Header names and
 * values are checked so that app data can never split the response.
 */
export function cgiResponse(res: AppResponse): Buffer {
  if (!Number.isInteger(res.status) || res.status < 100 || res.status > 999) {
    throw new FkError('E_INTERNAL', `CGI response with invalid status ${res.status}`);
  }
  const body = typeof res.body === 'string' ? Buffer.from(res.body, 'utf8') : res.body;
  const lines = [`Status: ${res.status} ${reasonPhrase(res.status)}`];
  let hasLength = false;
  for (const [name, value] of Object.entries(res.headers)) {
    if (!TOKEN_RE.test(name)) throw new FkError('E_INTERNAL', `invalid response header name '${name}'`);
    const lower = name.toLowerCase();
    if (lower === 'status') continue; // ours is the one above
    if (lower === 'content-length') hasLength = true;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (!FIELD_VALUE_RE.test(v))
        throw new FkError('E_INTERNAL', `invalid value for response header ${name}`);
      lines.push(`${name}: ${v}`);
    }
  }
  // The host may add it itself, but stating it lets lighttpd keep the client connection alive.
  if (!hasLength) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

export interface ParsedCgiResponse {
  status: number;
  /** In order, repeats kept (Set-Cookie). */
  headers: Array<[string, string]>;
  body: Buffer;
}

/**
 * The host side of RFC 3875 6: splits a script's stdout into status, headers and body. Lines may
 * end in LF or CRLF. A missing Status means 200, or 302 with a Location (6.2.3, 6.3.3).
 * Returns a string describing the fault when the output is not a CGI response (the host: 502).
 */
export function parseCgiResponse(out: Buffer): ParsedCgiResponse | string {
  const crlf = out.indexOf('\r\n\r\n');
  const lf = out.indexOf('\n\n');
  let headEnd: number;
  let bodyStart: number;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) {
    headEnd = crlf;
    bodyStart = crlf + 4;
  } else if (lf !== -1) {
    headEnd = lf;
    bodyStart = lf + 2;
  } else {
    return out.length === 0 ? 'empty output' : 'no blank line after the header fields';
  }
  const headers: Array<[string, string]> = [];
  let status: number | undefined;
  let hasLocation = false;
  for (const line of out.subarray(0, headEnd).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `malformed header line '${line.slice(0, 60)}'`;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (!TOKEN_RE.test(name)) return `malformed header name '${name.slice(0, 60)}'`;
    if (!FIELD_VALUE_RE.test(value)) return `malformed value for header ${name}`;
    const lower = name.toLowerCase();
    if (lower === 'status') {
      const m = /^([1-9]\d\d)(?:\s.*)?$/.exec(value);
      if (!m) return `malformed Status '${value.slice(0, 60)}'`;
      status = Number(m[1]);
      continue;
    }
    if (lower === 'location') hasLocation = true;
    headers.push([name, value]);
  }
  if (headers.length === 0 && status === undefined) return 'no header fields';
  return { status: status ?? (hasLocation ? 302 : 200), headers, body: out.subarray(bodyStart) };
}
