/** Real lines from this machine's /proc (Debian 12, kernel 6.1), for the parsers' and the sampler's tests. */
export const CAT_LINE =
  '11299 (cat) R 11292 11292 8071 0 -1 4194304 100 0 0 0 7 3 2 1 20 0 1 0 49771 3133440 382 18446744073709551615 94324191391744 94324191411625 140721167277504 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';
export const SYSTEM = `cpu  9490 0 3281 85781 297 0 77 9 0 0
cpu0 3042 0 1409 44885 60 0 14 2 0 0
cpu1 6448 0 1871 40896 236 0 63 6 0 0
intr 123 0 0
ctxt 4567
btime 1764252000
processes 11300
procs_running 2
procs_blocked 0
`;
