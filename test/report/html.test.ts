import { describe, expect, it } from 'vitest';

import { buildFigures } from '../../src/report/figures.js';
import { formatNumber } from '../../src/report/format.js';
import { embedJson, escapeHtml, loadPlotlyBundle, renderReport } from '../../src/report/html.js';
import type { FigureSpec } from '../../src/report/spec.js';
import { solution1d, solution2d } from './synthetic.js';

const bundle = loadPlotlyBundle();

function occurrences(text: string, part: string): number {
  let count = 0;
  for (let at = text.indexOf(part); at !== -1; at = text.indexOf(part, at + part.length)) count++;
  return count;
}

function jsonBlocks(html: string): { target: string; spec: { data: unknown; layout: unknown } }[] {
  const pattern = /<script type="application\/json" data-plot="([^"]+)">([\s\S]*?)<\/script>/g;
  return [...html.matchAll(pattern)].map((m) => ({ target: m[1], spec: JSON.parse(m[2]) }));
}

describe('renderReport', () => {
  const solutions = [solution1d({ solver: 'fv', scheme: 'ssp-rk3' }), solution1d({ solver: 'spectral', scheme: 'etdrk4', offset: 1e-4 })];
  const input = {
    title: 'Ridge teacher, T = 0.1',
    summary: { config: 'examples/ridge.json', seed: 42, 'end time': 3 },
    solutions,
    notes: ['Mass drift is relative to the initial mass.'],
  };
  const html = renderReport(input);
  const withoutBundle = html.replace(bundle, '');

  it('inlines the plotly bundle exactly once', () => {
    expect(bundle.length).toBeGreaterThan(1_000_000);
    expect(occurrences(html, bundle)).toBe(1);
    expect(occurrences(withoutBundle, 'plotly.js v4.1.1')).toBe(0);
  });

  it('embeds every figure as a JSON block that parses back', () => {
    const figures = buildFigures(solutions);
    const blocks = jsonBlocks(html);
    expect(blocks.map((b) => b.target)).toEqual(figures.map((f, k) => `plot-${k + 1}-${f.id}`));
    blocks.forEach((block, k) => {
      expect(block.spec).toEqual(JSON.parse(JSON.stringify({ data: figures[k].data, layout: figures[k].layout })));
      expect(withoutBundle).toContain(`<div class="plot" id="${block.target}"></div>`);
    });
  });

  it('makes no http or https references outside the bundle', () => {
    expect(withoutBundle).not.toMatch(/https?:\/\//i);
    expect(withoutBundle).not.toMatch(/<link|<img|<iframe|@import|\bsrc=/i);
  });

  it('lists the run summary, the solutions and the notes', () => {
    expect(withoutBundle).toContain('<tr><th scope="row">seed</th><td>42</td></tr>');
    expect(withoutBundle).toContain('<th scope="col">fv (ssp-rk3)</th><th scope="col">spectral (etdrk4)</th>');
    for (const key of ['problem', 'form', 'grid', 'solver', 'scheme', 'dt', 'steps', 'mass drift', 'min ρ', 'wall time', 'argmax F', 'final mean']) {
      expect(withoutBundle).toContain(`<th scope="row">${key}</th>`);
    }
    expect(withoutBundle).toContain('<tr><th scope="row">argmax F</th><td>1.325</td><td>1.325</td></tr>');
    expect(withoutBundle).toContain('<tr><th scope="row">wall time</th><td>0.25 s</td><td>0.25 s</td></tr>');
    expect(withoutBundle).toContain('<li>Mass drift is relative to the initial mass.</li>');
  });

  it('returns the same bytes for the same input', () => {
    expect(renderReport(input) === html).toBe(true);
  });

  it('escapes a closing script tag in the title', () => {
    const title = 'Run </script><script>alert("x")</script> & more';
    const figures: FigureSpec[] = buildFigures([solution2d()]).map((f) => ({
      ...f,
      title,
      layout: { ...f.layout, title: { text: title } },
    }));
    const page = renderReport({ title, summary: { note: '<b>bold</b>' }, solutions: [solution2d()], figures, notes: [title] }).replace(bundle, '');

    expect(occurrences(page, '</script>')).toBe(occurrences(page, '<script'));
    expect(page).toContain('<title>Run &lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more</title>');
    expect(page).toContain('<td>&lt;b&gt;bold&lt;/b&gt;</td>');
    expect(page).not.toContain('<b>');
    const blocks = jsonBlocks(page);
    expect(blocks).toHaveLength(5);
    expect((blocks[0].spec.layout as { title: { text: string } }).title.text).toBe(title);
  });

  it('renders an empty report without figures', () => {
    const page = renderReport({ title: 'empty', summary: {}, solutions: [] }).replace(bundle, '');
    expect(jsonBlocks(page)).toHaveLength(0);
    expect(page).not.toContain('<table');
  });
});

describe('embedJson', () => {
  it('hides markup and line separators from the HTML parser', () => {
    const value = { text: '</script><!-- & \u2028 \u2029 >' };
    const embedded = embedJson(value);
    expect(embedded).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(embedded)).toEqual(value);
  });
});

describe('escapeHtml', () => {
  it('escapes the five special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('formatNumber', () => {
  it('formats by magnitude', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(0.123456789)).toBe('0.123457');
    expect(formatNumber(1e-17)).toBe('1e-17');
    expect(formatNumber(-2.5e-13)).toBe('-2.5e-13');
    expect(formatNumber(1234567.5)).toBe('1.235e+6');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });
});
