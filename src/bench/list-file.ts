import { readFileSync } from 'node:fs';
import { FkError } from '../errors.js';
import { checkTextRanges, parseUrlTemplate, type UrlTemplate } from './url-template.js';

/** One request as the user wrote it: `[METHOD] URL [BODY]`, URL possibly a template. */
export interface RequestDef {
  method: string;
  url: UrlTemplate;
  /** Request body, possibly with {MIN..MAX} ranges; sent as application/x-www-form-urlencoded. */
  body?: string;
}

const METHOD = /^[A-Z]+$/;

/**
 * Parses `[METHOD] URL [BODY]`. A URL starting with `/` is resolved against `base` (the login
 * request is written `POST /login user={1..100000}`). Throws the FkError of the URL or template.
 */
export function parseRequestDef(line: string, base?: string): RequestDef {
  const words = line.trim().split(/\s+/);
  let method = 'GET';
  if (words.length > 1 && METHOD.test(words[0]!)) method = words.shift()!;
  let url = words.shift() ?? '';
  if (url.startsWith('/') && base !== undefined) url = new URL(base).origin + url;
  const body = words.length > 0 ? words.join(' ') : undefined;
  if (body !== undefined) checkTextRanges(body, `the body '${body}'`);
  return body === undefined
    ? { method, url: parseUrlTemplate(url) }
    : { method, url: parseUrlTemplate(url), body };
}

/** Reads a URL list file: one request per line; blank lines and `#` comments are ignored. */
export function parseListFile(text: string, fileName = 'list file'): RequestDef[] {
  const defs: RequestDef[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const words = line.split(/\s+/);
    if (METHOD.test(words[0]!) && words.length === 1) {
      problems.push(`line ${i + 1}: '${line}' has a method but no URL`);
      return;
    }
    try {
      defs.push(parseRequestDef(line));
    } catch (e) {
      problems.push(`line ${i + 1}: ${(e as Error).message}`);
    }
  });
  if (problems.length > 0)
    throw new FkError('E_BAD_LIST_FILE', `${fileName} is malformed:\n  ${problems.join('\n  ')}`);
  if (defs.length === 0) throw new FkError('E_BAD_LIST_FILE', `${fileName} lists no request`);
  return defs;
}

export function readListFile(path: string): RequestDef[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FkError('E_BAD_LIST_FILE', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return parseListFile(text, path);
}
