/**
 * The report's colours, chosen to read for everyone (WCAG 2.2): text at least 4.5:1 against the
 * white page (1.4.3), chart marks at least 3:1 (1.4.11, non-text contrast), and series that stay
 * apart under protanopia, deuteranopia and tritanopia. Okabe–Ito's blue, vermillion and bluish
 * green come first (its orange, sky blue and yellow are 1.3–2.3:1 on white: too light for a bar),
 * then colours picked to keep every pair ≥ 17 ΔE apart in the three simulations (Machado et al.
 * 2009). test/unit/report/palette.test.ts computes both with the published formulas.
 */
export const BACKGROUND = '#ffffff';
/** Body text (16:1) and secondary text (7:1; the former #777 was 4.48:1). */
export const INK = '#1f1f1f';
export const MUTED = '#595959';

export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#9124FF',
  '#874022',
  '#FF145B',
  '#6A50D3',
  '#A00872',
] as const;

/** The load generator and everything else on the machine: greys, apart from the palette. */
export const GENERATOR_GREY = '#4D4D4D';
export const OTHER_GREY = '#8C8C8C';
