import { erf as mathjsErf } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../src/model/errors.js';
import { ALLOWED_FUNCTIONS, compileDerivative, compileExpression, erf } from '../../src/model/expression.js';

const X = ['x'];
const XY = ['x', 'y'];

describe('compileExpression rejections', () => {
  const cases: [source: string, fragment: string][] = [
    ['', 'the expression is empty'],
    ['   ', 'the expression is empty'],
    ['x +', 'invalid syntax at character 4'],
    ['(x', 'invalid syntax at character 3'],
    ['a = 1', 'assignment "a = 1"'],
    ['f(x) = x^2', 'function definition "f(x) = x ^ 2"'],
    ['import("fs")', 'function "import" is not allowed'],
    ['evaluate("1+1")', 'function "evaluate" is not allowed'],
    ['parse("x")', 'function "parse" is not allowed'],
    ['createUnit("foo")', 'function "createUnit" is not allowed'],
    ['simplify("x")', 'function "simplify" is not allowed'],
    ['derivative("x^2", "x")', 'function "derivative" is not allowed'],
    ['constructor(1)', 'function "constructor" is not allowed'],
    ['toString(x)', 'function "toString" is not allowed'],
    ['gamma(x)', 'function "gamma" is not allowed'],
    ['a.b', 'property or index access "a.b"'],
    ['x.constructor', 'property or index access "x.constructor"'],
    ['a[1]', 'property or index access "a[1]"'],
    ['sin.name(1)', 'property or index access "sin.name"'],
    ['{}', 'object "{}"'],
    ['{a: 1}', 'object'],
    ['[1, 2]', 'array or matrix "[1, 2]"'],
    ['"text"', 'string "text"'],
    ['true', 'boolean constant true'],
    ['5 cm', 'units such as "cm"'],
    ['x to cm', 'operator "to"'],
    ['1:3', 'range "1:3"'],
    ['x; x', 'several statements'],
    ['x\nx', 'several statements'],
    ['q + x', 'unknown symbol "q"; the allowed symbols are x, pi, e'],
    ['sin + x', '"sin" is a function'],
    ['mystery(x)', 'function "mystery" is not allowed; the allowed functions are abs'],
    ['2x', 'implicit multiplication "2 x"'],
    ['2 (x + 1)', 'implicit multiplication'],
    ['x x', 'implicit multiplication'],
    ['1/2x', 'implicit multiplication'],
    ['50%', 'percentages'],
    ['x % 2', 'operator "%" (mod)'],
    ['x mod 2', 'operator "mod"'],
    ['x!', 'operator "!" (factorial)'],
    ["x'", "operator \"'\""],
    ['x .* x', 'operator ".*"'],
    ['x & 1', 'operator "&"'],
    ['x ?? 1', 'operator "??"'],
    ['x > 0', 'comparison "x > 0" is allowed only as the condition'],
    ['0 < x < 1', 'comparison "0 < x < 1" is allowed only as the condition'],
    ['x ? 1 : 2', 'the condition "x" of "x ? 1 : 2" must be a comparison'],
    ['Infinity', 'non-finite constant Infinity'],
    ['NaN * x', 'non-finite constant NaN'],
    ['1e400', 'non-finite constant'],
    ['atan2(x)', 'function "atan2" takes 2 arguments, got 1'],
    ['sin(x, 2)', 'function "sin" takes 1 argument, got 2'],
    ['log(x, 2, 3)', 'function "log" takes 1 or 2 arguments, got 3'],
    ['max()', 'function "max" needs at least 1 argument'],
  ];

  it.each(cases)('rejects %j', (source, fragment) => {
    let error: unknown;
    try {
      compileExpression(source, X);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as Error).message).toContain(fragment);
  });

  it('rejects deep nesting and long input', () => {
    expect(() => compileExpression('('.repeat(4900) + 'x' + ')'.repeat(4900), X)).toThrow(/nested too deeply/);
    expect(() => compileExpression('x+'.repeat(6000) + 'x', X)).toThrow(/12001 characters; the limit is 10000/);
  });

  it('rejects invalid variable and parameter names', () => {
    expect(() => compileExpression('x', ['1x'])).toThrow(/variable name "1x" is invalid/);
    expect(() => compileExpression('x', ['x', 'x'])).toThrow(/declared twice/);
    expect(() => compileExpression('x', ['sin'])).toThrow(/variable name "sin" is reserved/);
    expect(() => compileExpression('x', X, { x: 1 })).toThrow(/same name as a variable/);
    expect(() => compileExpression('x', X, { pi: 3 })).toThrow(/parameter name "pi" is reserved/);
    expect(() => compileExpression('x', X, { _u0: 1 })).toThrow(/parameter name "_u0" is invalid/);
    expect(() => compileExpression('x', X, { a: NaN })).toThrow(/parameter "a" = NaN/);
  });

  it('rejects a value count that differs from the variables', () => {
    const f = compileExpression('x + y', XY);
    expect(() => f.evaluate([1])).toThrow(RangeError);
  });
});

describe('compileExpression evaluation', () => {
  // Each expression with the Math.* composition it must reproduce.
  const cases: [source: string, reference: (x: number, y: number) => number][] = [
    ['x + y - 3 * x / y', (x, y) => x + y - (3 * x) / y],
    ['-x ^ 2 + +y', (x, y) => -(x ** 2) + y],
    ['2 ^ 3 ^ 0.5', () => Math.pow(2, Math.pow(3, 0.5))],
    ['x ^ y', (x, y) => Math.pow(x, y)],
    ['x ^ 2', (x) => x * x],
    ['x ^ -1.5', (x) => Math.pow(x, -1.5)],
    ['exp(-x ^ 2 / 2) / sqrt(2 * pi)', (x) => Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI)],
    ['log(x) + log10(y) + log2(x) + log1p(y)', (x, y) => Math.log(x) + Math.log10(y) + Math.log2(x) + Math.log1p(y)],
    ['log(x, 3)', (x) => Math.log(x) / Math.log(3)],
    ['expm1(x) * cbrt(-y)', (x, y) => Math.expm1(x) * Math.cbrt(-y)],
    ['sin(x) * cos(y) + tan(x)', (x, y) => Math.sin(x) * Math.cos(y) + Math.tan(x)],
    ['sec(x) + csc(y) + cot(x)', (x, y) => 1 / Math.cos(x) + 1 / Math.sin(y) + Math.cos(x) / Math.sin(x)],
    ['asin(x / 4) + acos(y / 4) + atan(x) + atan2(y, -x)', (x, y) => Math.asin(x / 4) + Math.acos(y / 4) + Math.atan(x) + Math.atan2(y, -x)],
    ['sinh(x) + cosh(y) + tanh(x)', (x, y) => Math.sinh(x) + Math.cosh(y) + Math.tanh(x)],
    ['sech(x) + csch(y) + coth(x)', (x, y) => 1 / Math.cosh(x) + 1 / Math.sinh(y) + 1 / Math.tanh(x)],
    ['asinh(x) + acosh(1 + y) + atanh(x / 4)', (x, y) => Math.asinh(x) + Math.acosh(1 + y) + Math.atanh(x / 4)],
    ['abs(x - y) + sign(x - 1) + floor(y) + ceil(x)', (x, y) => Math.abs(x - y) + Math.sign(x - 1) + Math.floor(y) + Math.ceil(x)],
    ['min(x, y, 1) + max(x, y) + max(x)', (x, y) => Math.min(x, y, 1) + Math.max(x, y) + x],
    ['pow(x, y) * e', (x, y) => Math.pow(x, y) * Math.E],
    ['0x1F + 0b11 + 1.5e-3 + .25', () => 31 + 3 + 1.5e-3 + 0.25],
    ['x > y ? x : y', (x, y) => (x > y ? x : y)],
    ['x >= 1 and y < 2 or not (x == y) ? 1 : 0', (x, y) => ((x >= 1 && y < 2) || !(x === y) ? 1 : 0)],
    ['0 < x <= y != 3 ? x - y : x + y', (x, y) => (0 < x && x <= y && y !== 3 ? x - y : x + y)],
    [
      'x != y ? (x < 0 ? -1 : 1) : 0',
      (x, y) => {
        if (x === y) return 0;
        return x < 0 ? -1 : 1;
      },
    ],
  ];
  const points: [number, number][] = [
    [0.3, 1.7],
    [1.25, 0.5],
    [2.5, 2.5],
    [-0.75, 3.25],
  ];

  it.each(cases)('evaluates %j like Math.*', (source, reference) => {
    const f = compileExpression(source, XY);
    for (const [x, y] of points) {
      const expected = reference(x, y);
      const actual = f.evaluate([x, y]);
      if (Number.isNaN(expected)) {
        expect(actual).toBeNaN();
      } else {
        expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(expected)));
      }
    }
  });

  it('substitutes parameters as constants', () => {
    const f = compileExpression('a * x + b', X, { a: 2, b: -0.5 });
    expect(f.evaluate([3])).toBe(5.5);
    expect(f.variables).toEqual(['x']);
    expect(f.source).toBe('a * x + b');
  });

  it('accepts one statement with line breaks', () => {
    expect(compileExpression('x\n', X).evaluate([2])).toBe(2);
    expect(compileExpression('\nx + \n 1;', X).evaluate([2])).toBe(3);
    expect(compileDerivative('x^2\n', 'x', X).evaluate([2])).toBe(4);
  });

  it('accepts a Float64Array of values', () => {
    const f = compileExpression('x - y', XY);
    expect(f.evaluate(Float64Array.of(5, 2))).toBe(3);
  });

  it('returns NaN where mathjs would be complex', () => {
    expect(compileExpression('sqrt(x)', X).evaluate([-1])).toBeNaN();
    expect(compileExpression('x ^ (1/3)', X).evaluate([-8])).toBeNaN();
  });

  it('lists the allowed functions sorted', () => {
    expect(ALLOWED_FUNCTIONS).toEqual([...ALLOWED_FUNCTIONS].sort());
    for (const name of ['exp', 'log', 'erf', 'atan2', 'min', 'max', 'pow', 'sech']) expect(ALLOWED_FUNCTIONS).toContain(name);
  });
});

describe('erf', () => {
  it('matches mathjs erf', () => {
    for (let x = -7; x <= 7; x += 0.0625) {
      const expected = mathjsErf(x) as number;
      expect(Math.abs(erf(x) - expected)).toBeLessThanOrEqual(1e-15 * Math.max(1e-300, Math.abs(expected)) + 1e-300);
    }
  });

  it('matches reference values', () => {
    // Values from mpmath's erf at 30 significant digits, rounded to 17.
    const reference: [number, number][] = [
      [1e-8, 1.1283791670955126e-8],
      [0.5, 0.52049987781304654],
      [1, 0.84270079294971487],
      [2, 0.99532226501895273],
      [3, 0.99997790950300141],
      [4, 0.99999998458274210],
    ];
    for (const [x, expected] of reference) {
      expect(Math.abs(erf(x) - expected)).toBeLessThanOrEqual(4e-16 * expected);
      expect(erf(-x)).toBe(-erf(x));
    }
  });

  it('is available in expressions', () => {
    expect(compileExpression('erf(x)', X).evaluate([0.5])).toBe(erf(0.5));
  });
});

describe('compileDerivative', () => {
  /** Fourth-order central difference with step h. */
  function centralDifference(f: (x: number) => number, x: number, h: number): number {
    return (8 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12 * h);
  }

  const cases: [source: string, points: number[]][] = [
    ['x ^ 3 - 2 * x + 1', [-1.3, 0.2, 2.1]],
    ['exp(-x ^ 2 / 2) * sin(3 * x)', [-0.7, 0.4, 1.9]],
    ['log(1 + x ^ 2) / (2 + cos(x))', [-2, 0.5, 3]],
    ['tan(x) + tanh(x) + sqrt(x)', [0.3, 0.9, 1.2]],
    ['x ^ x', [0.5, 1.5, 2.5]],
    ['abs(x - 1) * x', [-0.5, 0.5, 2]],
    ['cbrt(x)', [-2, -0.3, 0.8]],
    ['log1p(x) + expm1(x) + log2(x) + erf(x)', [0.2, 1.1, 2.7]],
    ['atan2(x ^ 2, 1 - x)', [-0.4, 0.3, 1.6]],
    ['max(x, x ^ 2, 0.3) + min(sin(x), 0)', [-0.8, 0.45, 1.7]],
    ['x < 1 ? x ^ 2 : 2 * x - 1 + floor(x)', [0.4, 1.5, 2.25]],
    ['exp(-a * (x - b) ^ 2)', [-0.2, 0.9, 1.4]],
    ['sech(x) + sec(x / 2) + asin(x / 3) + acosh(2 + x)', [0.1, 0.7, 1.3]],
  ];

  it.each(cases)('differentiates %j like central differences', (source, points) => {
    const parameters = { a: 1.5, b: 0.25 };
    const f = compileExpression(source, X, parameters);
    const df = compileDerivative(source, 'x', X, parameters);
    for (const x of points) {
      const numeric = centralDifference((t) => f.evaluate([t]), x, 1e-3);
      expect(Math.abs(df.evaluate([x]) - numeric)).toBeLessThan(1e-8 * Math.max(1, Math.abs(numeric)));
    }
  });

  it('takes partial derivatives in two variables', () => {
    const source = 'x ^ 2 * y + sin(x * y) + max(x, y)';
    const dx = compileDerivative(source, 'x', XY);
    const dy = compileDerivative(source, 'y', XY);
    const [x, y] = [0.7, 1.3];
    expect(dx.evaluate([x, y])).toBeCloseTo(2 * x * y + y * Math.cos(x * y), 13);
    expect(dy.evaluate([x, y])).toBeCloseTo(x * x + x * Math.cos(x * y) + 1, 13);
  });

  it('uses sign(x) for the derivative of abs at 0', () => {
    expect(compileDerivative('abs(x)', 'x', X).evaluate([0])).toBe(0);
  });

  it('is zero for an expression without the variable', () => {
    expect(compileDerivative('y ^ 2', 'x', XY).evaluate([1, 2])).toBe(0);
  });

  it('rejects an undeclared variable', () => {
    expect(() => compileDerivative('x', 'z', X)).toThrow(/"z", which is not one of the variables \(x\)/);
  });

  it('rejects what compileExpression rejects', () => {
    expect(() => compileDerivative('import("fs")', 'x', X)).toThrow(ExpressionError);
    expect(() => compileDerivative('x = 1', 'x', X)).toThrow(/assignment/);
  });
});
