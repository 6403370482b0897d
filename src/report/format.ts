/**
 * Formats a number for titles and tables: integers in full, moderate values
 * with six significant digits, very small or large ones in exponent form.
 * The result depends only on the value, so reports are reproducible.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (Number.isInteger(value) && magnitude < 1e15) return String(value);
  if (magnitude >= 1e-3 && magnitude < 1e6) return String(Number(value.toPrecision(6)));
  // Four significant digits, trailing zeros dropped: 1e-17, 2.5e-13.
  return value.toExponential(3).replace(/\.?0+e/, 'e');
}

/** Formats a point as `x` in 1D and `(x, y)` in 2D. */
export function formatPoint(point: readonly number[]): string {
  if (point.length === 1) return formatNumber(point[0]);
  return `(${point.map(formatNumber).join(', ')})`;
}
