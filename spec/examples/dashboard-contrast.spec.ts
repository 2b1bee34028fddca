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

function variables(selector: string): Record<string, string> {
  const start = CSS.indexOf(`${selector} {`);
  expect(start, selector).to.be.at.least(0);
  const block = CSS.slice(start, CSS.indexOf('}', start));
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6});/g)].map((match) => [match[1] as string, match[2] as string]));
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
  for (const [theme, selector] of [['dark', ':root'], ['light', ":root[data-theme='light']"]] as const) {
    it(`${theme}: every text colour is at least 4.5:1 against every background`, () => {
      const colours = variables(selector);
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

  it('the system-light block and the toggle-light block are the same colours', () => {
    const system = CSS.slice(CSS.indexOf(":root:not([data-theme='dark']) {"));
    const block = system.slice(0, system.indexOf('}'));
    expect(Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6});/g)].map((match) => [match[1], match[2]]))).to.deep.equal(variables(":root[data-theme='light']"));
  });
});
