import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ladderHtml } from '../../../src/report/ladder-html.js';
import { BACKGROUND, GENERATOR_GREY, INK, MUTED, OTHER_GREY, PALETTE } from '../../../src/report/palette.js';
import { sampleReport } from '../../helpers/report-fixture.js';

/**
 * The report's colours against WCAG 2.2, computed here with the published formulas rather than
 * trusted: relative luminance and contrast ratio (WCAG 2.2, "relative luminance" / "contrast
 * ratio" definitions); colour-vision deficiency by the Machado, Oliveira & Fernandes (2009)
 * matrices at full severity, distances as CIE76 ΔE in CIELAB (D65).
 */
const rgb = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255);
const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const luminance = ([r, g, b]: number[]) => 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
function contrast(a: string, b: string): number {
  const [x, y] = [a, b].map((h) => luminance(rgb(h).map(linear))).sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}

const MACHADO: Record<string, number[][]> = {
  normal: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
};

function lab(hex: string, vision: string): number[] {
  const v = rgb(hex).map(linear);
  const [r, g, b] = MACHADO[vision]!.map((row) =>
    Math.min(1, Math.max(0, row[0]! * v[0]! + row[1]! * v[1]! + row[2]! * v[2]!)),
  );
  const X = (0.4124 * r! + 0.3576 * g! + 0.1805 * b!) / 0.95047;
  const Y = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  const Z = (0.0193 * r! + 0.1192 * g! + 0.9505 * b!) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))];
}
const deltaE = (a: string, b: string, vision: string) =>
  Math.hypot(...lab(a, vision).map((x, i) => x - lab(b, vision)[i]!));

test('the WCAG formulas give the published values', () => {
  assert.equal(contrast('#000000', '#ffffff').toFixed(0), '21');
  assert.equal(contrast('#777777', '#ffffff').toFixed(2), '4.48', 'the old .muted colour, below 4.5:1');
  assert.equal(contrast('#767676', '#ffffff').toFixed(2), '4.54');
});

test('text is at least 4.5:1 against the page (WCAG 1.4.3)', () => {
  for (const c of [INK, MUTED])
    assert.ok(contrast(c, BACKGROUND) >= 4.5, `${c}: ${contrast(c, BACKGROUND).toFixed(2)}`);
  // Every colour the stylesheet gives text (color:, fill: of chart text) passes too.
  const css = /<style>([\s\S]*?)<\/style>/.exec(ladderHtml(sampleReport()))![1]!;
  const textColours = [...css.matchAll(/(?:^|[;{])(?:color|fill):(#[0-9a-fA-F]{6})/g)].map((m) => m[1]!);
  assert.ok(textColours.length >= 5, textColours.join(' '));
  for (const c of textColours)
    assert.ok(contrast(c, BACKGROUND) >= 4.5, `text colour ${c}: ${contrast(c, BACKGROUND).toFixed(2)}`);
});

test('every chart mark is at least 3:1 against the page (WCAG 1.4.11)', () => {
  for (const c of [...PALETTE, GENERATOR_GREY, OTHER_GREY])
    assert.ok(contrast(c, BACKGROUND) >= 3, `${c}: ${contrast(c, BACKGROUND).toFixed(2)}`);
  // And the fills the charts actually draw come from those colours.
  const fills = new Set(
    [...ladderHtml(sampleReport()).matchAll(/<rect [^>]*fill="(#[0-9A-Fa-f]{6})"/g)].map((m) => m[1]!),
  );
  for (const f of fills)
    assert.ok(contrast(f, BACKGROUND) >= 3, `drawn fill ${f}: ${contrast(f, BACKGROUND).toFixed(2)}`);
});

test('series stay apart with normal vision and the three dichromacies', () => {
  const colours = [...PALETTE, GENERATOR_GREY, OTHER_GREY];
  let worst = { d: Number.POSITIVE_INFINITY, why: '' };
  for (const vision of Object.keys(MACHADO))
    for (let i = 0; i < colours.length; i++)
      for (let j = i + 1; j < colours.length; j++) {
        const d = deltaE(colours[i]!, colours[j]!, vision);
        if (d < worst.d) worst = { d, why: `${colours[i]} vs ${colours[j]} (${vision})` };
      }
  // ΔE ≈ 2.3 is a just-noticeable difference; 9 keeps neighbouring bars clearly apart.
  assert.ok(worst.d >= 9, `closest pair: ΔE ${worst.d.toFixed(1)}, ${worst.why}`);
  // The old Okabe–Ito set failed both rules: yellow was 1.3:1 on white.
  assert.ok(contrast('#F0E442', BACKGROUND) < 1.4);
});
