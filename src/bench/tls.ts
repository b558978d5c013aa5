import { type ConnectionOptions, createSecureContext, type SecureContext } from 'node:tls';
import type { Origin } from './url-template.js';

/**
 * One SecureContext per thread, not one per connection: tls.connect() without one builds a new
 * OpenSSL SSL_CTX each time, trust store included — measured here with a new connection per
 * request: ~950 µs of CPU per request that way, against wrk's 160 µs.
 */
let contextCache: SecureContext | undefined;
function secureContext(): SecureContext {
  contextCache ??= createSecureContext({ minVersion: 'TLSv1.2' });
  return contextCache;
}

/**
 * TLS as a browser speaks it to an https:// origin: TLS 1.2 or 1.3 (what browsers still accept),
 * SNI with the URL's host name (never an IP literal, RFC 6066 §3), ALPN offering only http/1.1 —
 * this client speaks HTTP/1.1, and a server that would pick h2 must be told so in the handshake
 * (RFC 7301) — and the virtual user's saved session, so its later connections resume (RFC 8446
 * §2.2) instead of paying a full handshake, as a browser's connections to one site do.
 */
export function tlsConnectOptions(
  origin: Origin,
  insecure: boolean,
  session: Buffer | undefined,
): ConnectionOptions {
  const o: ConnectionOptions = {
    host: origin.host,
    port: origin.port,
    secureContext: secureContext(),
    ALPNProtocols: ['http/1.1'],
    // --insecure: a self-signed or otherwise unverifiable certificate is accepted (curl -k).
    rejectUnauthorized: !insecure,
  };
  if (origin.servername !== undefined) o.servername = origin.servername;
  if (session !== undefined) o.session = session;
  return o;
}

/** OpenSSL's certificate verification codes as Node reports them (X509_V_ERR_* without the prefix). */
const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

/** True for an error of the TLS layer (handshake, certificate, protocol), not of TCP. */
export function isTlsError(e: NodeJS.ErrnoException): boolean {
  const code = e.code ?? '';
  return (
    CERT_CODES.has(code) ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    (e as { library?: string }).library === 'SSL routines'
  );
}

/** One line for E_TLS: what failed, and what to do about a certificate this machine cannot verify. */
export function describeTlsError(e: NodeJS.ErrnoException, originKey: string): string {
  const code = e.code ?? 'TLS';
  const cert = CERT_CODES.has(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID';
  const why = cert
    ? '; if you trust this server (a self-signed test certificate), pass --insecure'
    : code === 'ERR_SSL_WRONG_VERSION_NUMBER'
      ? ' (is that port speaking plain HTTP? use http://)'
      : '';
  return `TLS handshake with ${originKey} failed: ${e.message} (${code})${why}`;
}
