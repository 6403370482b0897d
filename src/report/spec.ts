/**
 * Plain-JSON figure specifications in the subset of the plotly.js schema
 * (version 4.1.1) that the report uses. Specs are built in Node and rendered
 * in the browser by `Plotly.newPlot(element, data, layout)`.
 */

/** A number in a data array. Plotly draws null as a gap, and JSON has no NaN. */
export type PlotValue = number | null;

export interface FontSpec {
  family: string;
  size: number;
  color?: string;
}

export interface TitleSpec {
  text: string;
  font?: FontSpec;
}

export interface ColorBarSpec {
  title: TitleSpec;
  /** Length as a fraction of the plot height. */
  len?: number;
  /** Vertical position of the centre, in paper coordinates. */
  y?: number;
  exponentformat?: 'e' | 'power' | 'none';
}

export interface ScatterTrace {
  type: 'scatter';
  mode: 'lines' | 'markers' | 'lines+markers';
  name?: string;
  x: PlotValue[];
  y: PlotValue[];
  /** Axis ids such as `x2` and `y2`. Plotly uses `x` and `y` when absent. */
  xaxis?: string;
  yaxis?: string;
  line?: { color?: string; width?: number; dash?: 'solid' | 'dash' | 'dot'; shape?: 'linear' | 'hv' };
  marker?: { color?: string; size?: number; symbol?: string };
  showlegend?: boolean;
  legendgroup?: string;
}

export interface HeatmapTrace {
  type: 'heatmap';
  name?: string;
  /** Cell centres along the horizontal axis (one per column of z). */
  x: PlotValue[];
  /** Cell centres along the vertical axis (one per row of z). */
  y: PlotValue[];
  /** Rows of values: z[row][column], with rows along y. */
  z: PlotValue[][];
  xaxis?: string;
  yaxis?: string;
  colorscale?: string;
  zmin?: number;
  zmax?: number;
  /** Name of a shared layout colour axis such as `coloraxis2`, used in place of colorscale and zmin/zmax. */
  coloraxis?: string;
  showscale?: boolean;
  colorbar?: ColorBarSpec;
}

export type PlotTrace = ScatterTrace | HeatmapTrace;

export interface AxisLayout {
  title?: TitleSpec;
  type?: 'linear' | 'log';
  /** Position of the axis in paper coordinates, [start, end] in [0, 1]. */
  domain?: [number, number];
  /** The axis this one is drawn against, such as `y2`. */
  anchor?: string;
  /** Another axis whose range this one follows, such as `x`. */
  matches?: string;
  /** Fixed axis range [min, max] in data units. */
  range?: [number, number];
  exponentformat?: 'e' | 'power' | 'none';
  zeroline?: boolean;
  /** Whether plotly grows the margin to fit tick labels and the title. */
  automargin?: boolean;
}

export interface ColorAxisLayout {
  colorscale: string;
  cmin: number;
  cmax: number;
  colorbar: ColorBarSpec;
}

/** Text placed in paper coordinates, used for panel titles. */
export interface AnnotationSpec {
  text: string;
  x: number;
  y: number;
  xref: 'paper';
  yref: 'paper';
  xanchor: 'left' | 'center' | 'right';
  yanchor: 'top' | 'middle' | 'bottom';
  showarrow: false;
  font?: FontSpec;
}

export interface PlotLayout {
  title: TitleSpec;
  font: FontSpec;
  width: number;
  height: number;
  margin: { l: number; r: number; t: number; b: number };
  showlegend: boolean;
  legend?: { orientation?: 'v' | 'h'; x?: number; y?: number; xanchor?: 'left' | 'center' | 'right' };
  annotations?: AnnotationSpec[];
  coloraxis?: ColorAxisLayout;
  coloraxis2?: ColorAxisLayout;
  [axis: `xaxis${string}` | `yaxis${string}`]: AxisLayout | undefined;
}

/** One figure: `id` is stable across runs and `title` is plain text (not plotly markup). */
export interface FigureSpec {
  id: string;
  title: string;
  data: PlotTrace[];
  layout: PlotLayout;
}

/**
 * Fonts are generic system families, so the report loads nothing from the
 * network. Sizes are fixed, so the same input gives the same spec.
 */
export const FIGURE_FONT: FontSpec = { family: 'DejaVu Sans, Arial, Helvetica, sans-serif', size: 13, color: '#222' };
export const TITLE_FONT: FontSpec = { ...FIGURE_FONT, size: 16 };
export const PANEL_TITLE_FONT: FontSpec = { ...FIGURE_FONT, size: 12 };
export const FIGURE_WIDTH = 960;

/**
 * Significant digits kept in data arrays. Rounding keeps the embedded JSON
 * small, and neighbouring coordinates stay distinct while their spacing
 * exceeds about 1e-7 of their magnitude.
 */
export const PLOT_DIGITS = 8;

/**
 * Escapes `&`, `<` and `>` for plotly, which reads titles, legend names and
 * annotations as a small HTML subset and decodes these three entities back.
 */
export function escapePlotlyText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Rounds to PLOT_DIGITS significant digits and turns non-finite values into null. */
export function toPlotValue(value: number): PlotValue {
  if (!Number.isFinite(value)) return null;
  return Number(value.toPrecision(PLOT_DIGITS));
}

export function toPlotValues(values: ArrayLike<number>, indices?: readonly number[]): PlotValue[] {
  if (indices) return indices.map((i) => toPlotValue(values[i]));
  return Array.from(values, toPlotValue);
}

/**
 * Chooses at most `max` evenly spaced indices out of 0 … n − 1, always
 * including the first and the last. Returns all of them when n ≤ max.
 */
export function sampleIndices(n: number, max: number): number[] {
  if (!Number.isInteger(max) || max < 2) throw new RangeError(`sampleIndices: max = ${max}; use an integer ≥ 2`);
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round((k * (n - 1)) / (max - 1)));
  return out;
}

/** Interpolates the viridis map at `fraction` ∈ [0, 1] between five of its reference colours. */
export function sequentialColor(fraction: number): string {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)) * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(f));
  const w = f - k;
  const channel = (c: number) => Math.round(stops[k][c] * (1 - w) + stops[k + 1][c] * w);
  return `rgb(${channel(0)},${channel(1)},${channel(2)})`;
}

/** Layout fields shared by every figure. */
export function baseLayout(title: string, height: number): PlotLayout {
  const lines = wrapTitle(title);
  return {
    title: { text: lines.map(escapePlotlyText).join('<br>'), font: TITLE_FONT },
    font: FIGURE_FONT,
    width: FIGURE_WIDTH,
    height: height + 20 * (lines.length - 1),
    margin: { l: 80, r: 40, t: 70 + 20 * (lines.length - 1), b: 60 },
    showlegend: false,
  };
}

/** Characters per title line; longer titles would run past the figure's edges. */
const TITLE_LINE_CHARS = 95;

/** Splits a title at spaces into lines of at most TITLE_LINE_CHARS characters where possible. */
export function wrapTitle(title: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of title.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > TITLE_LINE_CHARS) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}

export interface PanelDomain {
  x: [number, number];
  y: [number, number];
}

/**
 * Paper-coordinate domains of a rows × columns grid of panels, row by row
 * from the top, with gaps between panels (the vertical gap leaves room for a
 * panel title).
 */
export function panelDomains(rows: number, columns: number, gapX = 0.06, gapY = 0.12): PanelDomain[] {
  const width = (1 - gapX * (columns - 1)) / columns;
  const height = (1 - gapY * (rows - 1)) / rows;
  const out: PanelDomain[] = [];
  for (let r = 0; r < rows; r++) {
    const top = 1 - r * (height + gapY);
    for (let c = 0; c < columns; c++) {
      const left = c * (width + gapX);
      out.push({ x: [round4(left), round4(left + width)], y: [round4(top - height), round4(top)] });
    }
  }
  return out;
}

/** Rounds a paper coordinate to 4 decimals inside [0, 1]. The clamp also turns −0, which JSON cannot keep, into 0. */
function round4(x: number): number {
  return Math.min(1, Math.max(0, Math.round(x * 1e4) / 1e4));
}

/** Axis ids of panel k (0-based) for trace fields and for layout keys. */
export function panelAxes(k: number): { x: string; y: string; xKey: `xaxis${string}`; yKey: `yaxis${string}` } {
  const suffix = k === 0 ? '' : String(k + 1);
  return { x: `x${suffix}`, y: `y${suffix}`, xKey: `xaxis${suffix}`, yKey: `yaxis${suffix}` };
}

/** Builds a title centred above a panel, one line per entry of `text`. */
export function panelTitle(text: string | readonly string[], domain: PanelDomain): AnnotationSpec {
  const lines = typeof text === 'string' ? [text] : text;
  return {
    text: lines.map(escapePlotlyText).join('<br>'),
    x: round4((domain.x[0] + domain.x[1]) / 2),
    y: domain.y[1],
    xref: 'paper',
    yref: 'paper',
    xanchor: 'center',
    yanchor: 'bottom',
    showarrow: false,
    font: PANEL_TITLE_FONT,
  };
}
