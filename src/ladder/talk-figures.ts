/**
 * The talk's measured requests/s per run (PyCon 2007, dual-core machine), from attendee notes
 * (yergler.net and jjinux.com, 2007-02; /work/shared/seed/talk-figures.md). The report sets our
 * figures beside them; absolute numbers differ by 19 years of hardware, the ratios are the point.
 * The version each figure belongs to is the stage's own talkVersion (src/stages/*).
 */
export const TALK_FIGURES: Record<string, number> = {
  cgi: 23, // CGI: interpreter and DB connection per request
  single: 139, // one CherryPy process; GIL: one core of two
  nginx: 217, // two CherryPy processes behind nginx
  memcached: 616, // static files from memcached through nginx (their benchmarker; ~1750 with ab)
  'memcached-noindex': 28, // 0.4 without the photos.user_id index
};

/** The talk's ratio between two runs, when it reported both (e.g. single over cgi ≈ 6.0). */
export function talkRatio(run: string, baseline: string): number | undefined {
  const a = TALK_FIGURES[run];
  const b = TALK_FIGURES[baseline];
  if (a === undefined || b === undefined) return undefined;
  return a / b;
}
