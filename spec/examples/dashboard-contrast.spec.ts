import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The dashboard's colours are readable: every text colour of each theme has a contrast ratio of at least 4.5:1
 * (WCAG 2 AA for normal text) against every background of the same theme, by WCAG's own formula.
 */
const CSS = readFileSync(join(__dirname, '..', '..', 'examples', 'dashboard', 'page', 'app.css'), 'utf8');
const TEXT = ['text', 'muted', 'accent', 'pending', 'running', 'completed', 'failed', 'cancelled', 'timed_out', 'dropped', 'graph'];
const BACKGROUNDS = ['bg', 'panel', 'panel-2'];

/** The colours of one theme: each `--name: light-dark(light, dark)` (or one colour for both) of the root block. */
function variables(theme: 'light' | 'dark'): Record<string, string> {
  const start = CSS.indexOf(':root {');
  const block = CSS.slice(start, CSS.indexOf('}', start));
  const colours: Record<string, string> = {};
  for (const match of block.matchAll(/--([\w-]+):\s*(?:light-dark\((#[0-9a-f]{6}),\s*(#[0-9a-f]{6})\)|(#[0-9a-f]{6}));/g)) {
    colours[match[1] as string] = (match[4] ?? (theme === 'light' ? match[2] : match[3])) as string;
  }
  return colours;
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((index) => {
    const value = Number.parseInt(hex.slice(index, index + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

describe('examples/dashboard colours', () => {
  for (const theme of ['dark', 'light'] as const) {
    it(`${theme}: every text colour is at least 4.5:1 against every background`, () => {
      const colours = variables(theme);
      expect(Object.keys(colours)).to.include.members([...TEXT, ...BACKGROUNDS]);
      const poor: string[] = [];
      for (const text of TEXT) {
        for (const background of BACKGROUNDS) {
          const ratio = contrast(colours[text] as string, colours[background] as string);
          if (!(ratio >= 4.5)) poor.push(`--${text} on --${background}: ${ratio.toFixed(2)}`);
        }
      }
      expect(poor).to.deep.equal([]);
    });
  }
});
