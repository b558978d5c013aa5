/**
 * Server-Timing (W3C Server Timing): `db;dur=53.2, app;dur=47.2;desc="render"`. The recorder
 * averages each metric's `dur` (milliseconds), so a run shows where the server spent its time.
 */
export function parseServerTiming(value: string, into: Map<string, { count: number; sumMs: number }>): void {
  for (const entry of value.split(',')) {
    const params = entry.split(';');
    const name = params[0]!.trim();
    if (name === '') continue;
    let dur = Number.NaN;
    for (let i = 1; i < params.length; i++) {
      const p = params[i]!.trim();
      if (p.slice(0, 4).toLowerCase() === 'dur=') dur = Number(p.slice(4).replace(/"/g, ''));
    }
    const slot = into.get(name) ?? { count: 0, sumMs: 0 };
    slot.count += 1;
    if (Number.isFinite(dur)) slot.sumMs += dur;
    into.set(name, slot);
  }
}
