/**
 * The talk's measured figures (PyCon 2007, dual-core machine), from attendee notes
 * (yergler.net and jjinux.com, 2007-02; /work/shared/seed/talk-figures.md). The report sets our
 * figures beside them; absolute numbers differ by 19 years of hardware, the ratios are the point.
 */
export interface TalkFigure {
  version: string;
  requestsPerS: number;
  note: string;
}

export const TALK_FIGURES: Record<string, TalkFigure> = {
  cgi: { version: '0.1', requestsPerS: 23, note: 'CGI: interpreter and DB connection per request' },
  single: { version: '0.2', requestsPerS: 139, note: 'one CherryPy process; GIL: one core of two' },
  nginx: { version: '0.3', requestsPerS: 217, note: 'two CherryPy processes behind nginx' },
  memcached: {
    version: '0.4',
    requestsPerS: 616,
    note: 'static files from memcached through nginx (their benchmarker; ~1750 with ab)',
  },
  'memcached-noindex': { version: '0.4', requestsPerS: 28, note: '0.4 without the photos.user_id index' },
};

/** The talk's ratio between two runs, when it reported both (e.g. single over cgi ≈ 6.0). */
export function talkRatio(run: string, baseline: string): number | undefined {
  const a = TALK_FIGURES[run];
  const b = TALK_FIGURES[baseline];
  if (a === undefined || b === undefined) return undefined;
  return a.requestsPerS / b.requestsPerS;
}
