/**
 * Safe user expressions for L(θ, λ), V(θ, λ), σ(λ) and F(λ).
 *
 * Config files may come from strangers, so an expression is parsed once with
 * mathjs and then checked against a whitelist before anything runs. The
 * accepted language is:
 *
 * - finite number literals (decimal, exponent, hexadecimal and binary forms);
 * - the declared variables, the caller's parameters and the constants `pi`
 *   and `e`;
 * - the operators `+ - * / ^` (binary), unary `-` and `+`, and parentheses;
 * - calls of the functions in {@link ALLOWED_FUNCTIONS};
 * - the conditional `condition ? a : b`, whose condition is built from the
 *   comparisons `< <= > >= == !=` (chains such as `0 < x < 1` included)
 *   joined by `and`, `or` and `not`. Comparisons are accepted only there.
 *
 * Everything else raises an {@link ExpressionError} that names the rejected
 * piece. This covers assignment, function definition, property and index
 * access, arrays, objects, strings, booleans, ranges, several statements,
 * units and percentages. It also covers the other mathjs operators (`%`,
 * `mod`, `!`, `'`, `.*`, bitwise, `to`, `??`) and every function not on the
 * list, including `import`, `evaluate`, `parse`, `createUnit`, `simplify`
 * and `derivative`.
 *
 * Implicit multiplication (`2 lambda`, `2(x + 1)`) is rejected as well,
 * because mathjs gives it precedence rules that readers misjudge: `1/2x`
 * parses as `(1/2)·x`, and `5 cm` is a quantity with a unit. Write `*`.
 *
 * The checked tree is compiled into nested closures over plain numbers,
 * with parameters and constant subtrees folded at compile time. Nothing of
 * mathjs runs at evaluation time. Evaluation is real-valued IEEE arithmetic,
 * which differs from mathjs 15's own `evaluate` in three places. Where mathjs
 * would return a complex number (`sqrt(-1)`, `(-8)^(1/3)`, `log(-1)`) the
 * result is NaN. Comparisons are exact, without mathjs's relative tolerance.
 * `floor` and `ceil` do not first round arguments that are nearly integers.
 */

import {
  ConditionalNode,
  ConstantNode,
  FunctionNode,
  OperatorNode,
  SymbolNode,
  Unit,
  derivative as mathDerivative,
  parse,
  type MathNode,
} from 'mathjs';
import { ExpressionError } from './errors.js';

export interface CompiledExpression {
  /** The expression text, or for a derivative the text of the derivative. */
  readonly source: string;
  readonly variables: readonly string[];
  /** Evaluates with the variables' values in the order of `variables`. */
  evaluate(values: ArrayLike<number>): number;
}

type Unary = (x: number) => number;
type Binary = (x: number, y: number) => number;

/**
 * Builds a Map from an object literal. Lookups by user-supplied names go
 * through Maps so that names such as "constructor" or "toString" never
 * reach Object.prototype.
 */
function lookup<T>(entries: Record<string, T>): ReadonlyMap<string, T> {
  return new Map(Object.entries(entries));
}

/**
 * Named functions an expression may call, with their real-valued
 * implementations. `sec`, `csc`, `cot`, `sech`, `csch` and `coth` are here
 * because mathjs writes derivatives with them.
 */
const UNARY_FUNCTIONS: ReadonlyMap<string, Unary> = lookup({
  abs: Math.abs,
  acos: Math.acos,
  acosh: Math.acosh,
  asin: Math.asin,
  asinh: Math.asinh,
  atan: Math.atan,
  atanh: Math.atanh,
  cbrt: Math.cbrt,
  ceil: Math.ceil,
  cos: Math.cos,
  cosh: Math.cosh,
  cot: (x) => Math.cos(x) / Math.sin(x),
  coth: (x) => 1 / Math.tanh(x),
  csc: (x) => 1 / Math.sin(x),
  csch: (x) => 1 / Math.sinh(x),
  erf,
  exp: Math.exp,
  expm1: Math.expm1,
  floor: Math.floor,
  log: Math.log,
  log10: Math.log10,
  log1p: Math.log1p,
  log2: Math.log2,
  sec: (x) => 1 / Math.cos(x),
  sech: (x) => 1 / Math.cosh(x),
  sign: Math.sign,
  sin: Math.sin,
  sinh: Math.sinh,
  sqrt: Math.sqrt,
  tan: Math.tan,
  tanh: Math.tanh,
});

/** Two-argument functions. `log(x, base)` is the logarithm to a base. */
const BINARY_FUNCTIONS: ReadonlyMap<string, Binary> = lookup({
  atan2: Math.atan2,
  log: (x, base) => Math.log(x) / Math.log(base),
  pow: Math.pow,
});

/** Functions of one or more arguments. */
const VARIADIC_FUNCTIONS: ReadonlyMap<string, (...xs: number[]) => number> = lookup({
  max: Math.max,
  min: Math.min,
});

/** Every function name an expression may call, sorted. */
export const ALLOWED_FUNCTIONS: readonly string[] = Object.freeze(
  [...new Set([...UNARY_FUNCTIONS.keys(), ...BINARY_FUNCTIONS.keys(), ...VARIADIC_FUNCTIONS.keys()])].sort(),
);

/** Named constants an expression may use besides its variables and parameters. */
const NAMED_CONSTANTS: ReadonlyMap<string, number> = lookup({ pi: Math.PI, e: Math.E });

/** Words that mathjs reads as operators or literals, so they cannot name a variable or parameter. */
const RESERVED_WORDS = new Set([
  'and', 'or', 'xor', 'not', 'mod', 'to', 'in', 'true', 'false', 'null', 'undefined', 'Infinity', 'NaN',
]);

/** Inputs longer than this are rejected before parsing, to bound parse time and recursion depth. */
const MAX_SOURCE_LENGTH = 10_000;

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

const ARITHMETIC_OPERATORS = new Set(['add', 'subtract', 'multiply', 'divide', 'pow', 'unaryMinus', 'unaryPlus']);

const COMPARISONS: ReadonlyMap<string, Binary> = lookup({
  smaller: (x, y) => Number(x < y),
  smallerEq: (x, y) => Number(x <= y),
  larger: (x, y) => Number(x > y),
  largerEq: (x, y) => Number(x >= y),
  equal: (x, y) => Number(x === y),
  unequal: (x, y) => Number(x !== y),
});

const OPERATOR_HELP =
  'allowed operators are + - * / ^ and, inside the condition of "condition ? a : b", comparisons joined by and, or, not';

// ---------------------------------------------------------------------------
// Public API

/**
 * Parses, checks and compiles `source` as a function of `variables`, with
 * `parameters` substituted as constants. Throws ExpressionError when the
 * input is empty, does not parse, or uses anything outside the whitelist.
 */
export function compileExpression(
  source: string,
  variables: readonly string[],
  parameters: Record<string, number> = {},
): CompiledExpression {
  const scope = makeScope(source, variables, parameters);
  const tree = parseSource(source);
  const compiled = compileTree(tree, source, scope, false);
  return finish(source, scope.variables, compiled);
}

/**
 * Compiles ∂ expression / ∂ variable. The source is checked as in
 * compileExpression, differentiated symbolically by mathjs's `derivative`,
 * and the result is checked and compiled the same way. Functions and forms
 * that mathjs 15 cannot differentiate are handled by the chain rule around
 * them (see differentiate), with the local rules of LOCAL_DERIVATIVES.
 */
export function compileDerivative(
  source: string,
  variable: string,
  variables: readonly string[],
  parameters: Record<string, number> = {},
): CompiledExpression {
  const scope = makeScope(source, variables, parameters);
  if (!scope.variables.includes(variable)) {
    throw new ExpressionError(
      source,
      `cannot differentiate with respect to "${variable}", which is not one of the variables (${scope.variables.join(', ')})`,
    );
  }
  const tree = parseSource(source);
  compileTree(tree, source, scope, false);

  let result: MathNode;
  try {
    result = differentiate(tree, variable);
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    throw new ExpressionError(source, `the symbolic derivative with respect to "${variable}" failed: ${messageOf(error)}`);
  }
  const text = result.toString();
  const compiled = compileTree(result, text, scope, true);
  return finish(text, scope.variables, compiled);
}

// ---------------------------------------------------------------------------
// Scope and parsing

interface Scope {
  readonly variables: readonly string[];
  readonly variableIndex: ReadonlyMap<string, number>;
  readonly constants: ReadonlyMap<string, number>;
}

function makeScope(source: string, variables: readonly string[], parameters: Record<string, number>): Scope {
  if (typeof source !== 'string') {
    throw new ExpressionError(String(source), `an expression must be a string, got ${typeof source}`);
  }
  const variableIndex = new Map<string, number>();
  for (const name of variables) {
    checkName(source, name, 'variable');
    if (variableIndex.has(name)) throw new ExpressionError(source, `variable "${name}" is declared twice`);
    variableIndex.set(name, variableIndex.size);
  }
  const constants = new Map<string, number>(NAMED_CONSTANTS);
  for (const [name, value] of Object.entries(parameters)) {
    checkName(source, name, 'parameter');
    if (variableIndex.has(name)) {
      throw new ExpressionError(source, `parameter "${name}" has the same name as a variable; rename the parameter`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ExpressionError(source, `parameter "${name}" = ${String(value)}; parameters must be finite numbers`);
    }
    constants.set(name, value);
  }
  return { variables: Object.freeze([...variables]), variableIndex, constants };
}

function checkName(source: string, name: string, role: 'variable' | 'parameter'): void {
  if (!IDENTIFIER.test(name)) {
    throw new ExpressionError(
      source,
      `${role} name "${name}" is invalid; use a letter followed by letters, digits or underscores`,
    );
  }
  if (RESERVED_WORDS.has(name) || NAMED_CONSTANTS.has(name) || ALLOWED_FUNCTIONS.includes(name)) {
    throw new ExpressionError(source, `${role} name "${name}" is reserved (a keyword, constant or function); rename it`);
  }
}

function parseSource(source: string): MathNode {
  if (source.trim() === '') throw new ExpressionError(source, 'the expression is empty');
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ExpressionError(
      source.slice(0, 40) + '…',
      `the expression has ${source.length} characters; the limit is ${MAX_SOURCE_LENGTH}`,
    );
  }
  try {
    return unwrapSingleStatement(parse(source));
  } catch (error) {
    if (error instanceof SyntaxError) {
      const position = (error as SyntaxError & { char?: number }).char;
      const reason = error.message.replace(/\s*\(char \d+\)$/, '');
      const where = typeof position === 'number' ? ` at character ${position}` : '';
      throw new ExpressionError(source, `invalid syntax${where}: ${reason}`);
    }
    if (error instanceof RangeError) {
      throw new ExpressionError(source, 'the expression is nested too deeply to parse');
    }
    throw new ExpressionError(source, `parsing failed: ${messageOf(error)}`);
  }
}

/**
 * Unwraps a block of one statement. mathjs parses a leading or trailing line
 * break ("x\n", as YAML block strings end) or a trailing ";" as a block.
 */
function unwrapSingleStatement(tree: MathNode): MathNode {
  if (tree.type !== 'BlockNode') return tree;
  const blocks = (tree as unknown as { blocks: { node: MathNode }[] }).blocks;
  return blocks.length === 1 ? blocks[0].node : tree;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------
// Checking and compiling

type Evaluator = (values: ArrayLike<number>) => number;

/** A compiled subtree; `value` is set when the subtree is a constant. */
interface Compiled {
  readonly fn: Evaluator;
  readonly value?: number;
}

function constant(value: number): Compiled {
  return { fn: () => value, value };
}

function finish(source: string, variables: readonly string[], compiled: Compiled): CompiledExpression {
  const fn = compiled.fn;
  const count = variables.length;
  return Object.freeze({
    source,
    variables,
    evaluate(values: ArrayLike<number>): number {
      if (values.length !== count) {
        throw new RangeError(
          `expression "${source}": expected ${count} values (${variables.join(', ')}), got ${values.length}`,
        );
      }
      return fn(values);
    },
  });
}

/**
 * Checks `tree` against the whitelist and compiles it. `generated` marks a
 * tree built by the derivative code, where a folded constant may be
 * non-finite. User text may not contain Infinity or NaN.
 */
function compileTree(tree: MathNode, source: string, scope: Scope, generated: boolean): Compiled {
  const compiler = new Compiler(source, scope, generated);
  try {
    return compiler.value(tree);
  } catch (error) {
    if (error instanceof RangeError) throw new ExpressionError(source, 'the expression is nested too deeply to compile');
    throw error;
  }
}

class Compiler {
  constructor(
    private readonly source: string,
    private readonly scope: Scope,
    private readonly generated: boolean,
  ) {}

  private reject(message: string): never {
    throw new ExpressionError(this.source, message);
  }

  /** Compiles a node that must produce a number. */
  value(node: MathNode): Compiled {
    switch (node.type) {
      case 'ConstantNode':
        return this.constantNode(node as ConstantNode);
      case 'SymbolNode':
        return this.symbol((node as SymbolNode).name);
      case 'ParenthesisNode':
        return this.value((node as unknown as { content: MathNode }).content);
      case 'OperatorNode':
        return this.operator(node as OperatorNode);
      case 'FunctionNode':
        return this.call(node as FunctionNode);
      case 'ConditionalNode':
        return this.conditional(node as ConditionalNode);
      case 'RelationalNode':
        return this.reject(
          `comparison "${node.toString()}" is allowed only as the condition of "condition ? a : b"`,
        );
      default:
        return this.reject(describeForbidden(node));
    }
  }

  private constantNode(node: ConstantNode): Compiled {
    const value: unknown = node.value;
    if (typeof value !== 'number') {
      if (typeof value === 'string') return this.reject(`string ${node.toString()} is not allowed; use numbers only`);
      if (typeof value === 'boolean') return this.reject(`boolean constant ${value} is not allowed; use numbers only`);
      return this.reject(`constant ${node.toString()} is not allowed; use numbers only`);
    }
    if (!this.generated && !Number.isFinite(value)) {
      return this.reject(`non-finite constant ${node.toString()} is not allowed; write a finite number`);
    }
    return constant(value);
  }

  private symbol(name: string): Compiled {
    const index = this.scope.variableIndex.get(name);
    if (index !== undefined) return { fn: (v) => v[index] };
    const value = this.scope.constants.get(name);
    if (value !== undefined) return constant(value);
    const allowed = [...this.scope.variables, ...this.scope.constants.keys()].join(', ');
    let hint = '';
    if (ALLOWED_FUNCTIONS.includes(name)) hint = `; "${name}" is a function, call it as ${name}(…)`;
    else if (Unit.isValuelessUnit(name)) hint = `; units such as "${name}" are not supported`;
    return this.reject(`unknown symbol "${name}"; the allowed symbols are ${allowed}${hint}`);
  }

  private operator(node: OperatorNode): Compiled {
    const fnName = node.fn as string;
    const text = node.toString();
    if ((node as unknown as { isPercentage?: boolean }).isPercentage) {
      return this.reject('percentages ("50%") are not allowed; write the fraction, e.g. 0.5');
    }
    if (node.implicit) {
      const unit = node.args.find(
        (arg) => arg.type === 'SymbolNode' && !this.isDeclared((arg as SymbolNode).name) && Unit.isValuelessUnit((arg as SymbolNode).name),
      );
      if (unit) return this.reject(`units such as "${unit.toString()}" in "${text}" are not supported`);
      return this.reject(
        `implicit multiplication "${text}" is not allowed because its precedence is easy to misread; write "*" between the factors`,
      );
    }
    if (COMPARISONS.has(fnName)) {
      return this.reject(`comparison "${text}" is allowed only as the condition of "condition ? a : b"`);
    }
    if (!ARITHMETIC_OPERATORS.has(fnName)) {
      return this.reject(`operator "${node.op}" (${fnName}) in "${text}" is not allowed; ${OPERATOR_HELP}`);
    }
    const args = node.args.map((arg) => this.value(arg));
    switch (fnName) {
      case 'unaryMinus':
        return unaryOf((x) => -x, args[0]);
      case 'unaryPlus':
        return args[0];
      case 'add':
        return args.reduce((a, b) => binaryOf(a, b, (x, y) => x + y, (f, g) => (v) => f(v) + g(v)));
      case 'multiply':
        return args.reduce((a, b) => binaryOf(a, b, (x, y) => x * y, (f, g) => (v) => f(v) * g(v)));
      case 'subtract':
        return binaryOf(args[0], args[1], (x, y) => x - y, (f, g) => (v) => f(v) - g(v));
      case 'divide':
        return binaryOf(args[0], args[1], (x, y) => x / y, (f, g) => (v) => f(v) / g(v));
      default:
        return powerOf(args[0], args[1]);
    }
  }

  private isDeclared(name: string): boolean {
    return this.scope.variableIndex.has(name) || this.scope.constants.has(name);
  }

  private call(node: FunctionNode): Compiled {
    const fn = node.fn as unknown as MathNode;
    if (fn.type === 'AccessorNode') return this.reject(describeForbidden(fn));
    if (fn.type !== 'SymbolNode') {
      return this.reject(`call "${node.toString()}" is not allowed; only the named functions can be called`);
    }
    const name = (fn as SymbolNode).name;
    const count = node.args.length;
    const unary = UNARY_FUNCTIONS.get(name);
    const binary = BINARY_FUNCTIONS.get(name);
    const variadic = VARIADIC_FUNCTIONS.get(name);
    if (!unary && !binary && !variadic) {
      return this.reject(`function "${name}" is not allowed; the allowed functions are ${ALLOWED_FUNCTIONS.join(', ')}`);
    }
    if (variadic) {
      if (count < 1) return this.reject(`function "${name}" needs at least 1 argument, got 0`);
      return variadicOf(variadic, node.args.map((arg) => this.value(arg)));
    }
    if (unary && count === 1) return unaryOf(unary, this.value(node.args[0]));
    if (binary && count === 2) return binaryOf(this.value(node.args[0]), this.value(node.args[1]), binary, (f, g) => (v) => binary(f(v), g(v)));
    let expected = '2 arguments';
    if (unary && binary) expected = '1 or 2 arguments';
    else if (unary) expected = '1 argument';
    return this.reject(`function "${name}" takes ${expected}, got ${count} in "${node.toString()}"`);
  }

  private conditional(node: ConditionalNode): Compiled {
    const test = this.condition(node.condition, node);
    const whenTrue = this.value(node.trueExpr);
    const whenFalse = this.value(node.falseExpr);
    if (test.value !== undefined) return test.value !== 0 ? whenTrue : whenFalse;
    const t = test.fn;
    const a = whenTrue.fn;
    const b = whenFalse.fn;
    return { fn: (v) => (t(v) !== 0 ? a(v) : b(v)) };
  }

  /** Compiles a condition to a 0/1 evaluator. */
  private condition(node: MathNode, owner: ConditionalNode): Compiled {
    if (node.type === 'ParenthesisNode') return this.condition((node as unknown as { content: MathNode }).content, owner);
    if (node.type === 'RelationalNode') {
      const relation = node as unknown as { conditionals: string[]; params: MathNode[] };
      let result: Compiled | undefined;
      relation.conditionals.forEach((name, k) => {
        const compare = COMPARISONS.get(name);
        if (!compare) this.reject(`comparison "${name}" in "${node.toString()}" is not allowed; ${OPERATOR_HELP}`);
        const link = this.comparison(compare, relation.params[k], relation.params[k + 1]);
        result = result === undefined ? link : logicalAnd(result, link);
      });
      return result ?? this.reject(`empty comparison "${node.toString()}"`);
    }
    if (node.type === 'OperatorNode') {
      const operator = node as OperatorNode;
      const fnName = operator.fn as string;
      const compare = COMPARISONS.get(fnName);
      if (compare) return this.comparison(compare, operator.args[0], operator.args[1]);
      if (fnName === 'and') return logicalAnd(this.condition(operator.args[0], owner), this.condition(operator.args[1], owner));
      if (fnName === 'or') return logicalOr(this.condition(operator.args[0], owner), this.condition(operator.args[1], owner));
      if (fnName === 'not') return unaryOf((x) => Number(x === 0), this.condition(operator.args[0], owner));
    }
    return this.reject(
      `the condition "${node.toString()}" of "${owner.toString()}" must be a comparison such as "x > 0", possibly joined by and, or, not`,
    );
  }

  private comparison(compare: Binary, left: MathNode, right: MathNode): Compiled {
    return binaryOf(this.value(left), this.value(right), compare, (f, g) => (v) => compare(f(v), g(v)));
  }
}

function describeForbidden(node: MathNode): string {
  const text = node.toString();
  switch (node.type) {
    case 'AssignmentNode':
      return `assignment "${text}" is not allowed`;
    case 'FunctionAssignmentNode':
      return `function definition "${text}" is not allowed`;
    case 'AccessorNode':
    case 'IndexNode':
      return `property or index access "${text}" is not allowed`;
    case 'ArrayNode':
      return `array or matrix "${text}" is not allowed`;
    case 'ObjectNode':
      return `object "${text}" is not allowed`;
    case 'RangeNode':
      return `range "${text}" is not allowed`;
    case 'BlockNode':
      return 'several statements (separated by ";" or a line break) are not allowed; write a single expression';
    default:
      return `${node.type} "${text}" is not allowed`;
  }
}

function unaryOf(f: Unary, a: Compiled): Compiled {
  if (a.value !== undefined) return constant(f(a.value));
  const g = a.fn;
  return { fn: (v) => f(g(v)) };
}

function binaryOf(a: Compiled, b: Compiled, f: Binary, combine: (f: Evaluator, g: Evaluator) => Evaluator): Compiled {
  if (a.value !== undefined && b.value !== undefined) return constant(f(a.value, b.value));
  return { fn: combine(a.fn, b.fn) };
}

function powerOf(base: Compiled, exponent: Compiled): Compiled {
  if (base.value !== undefined && exponent.value !== undefined) return constant(Math.pow(base.value, exponent.value));
  const f = base.fn;
  if (exponent.value === 2) return { fn: (v) => { const x = f(v); return x * x; } };
  if (exponent.value !== undefined) {
    const p = exponent.value;
    return { fn: (v) => Math.pow(f(v), p) };
  }
  const g = exponent.fn;
  return { fn: (v) => Math.pow(f(v), g(v)) };
}

function variadicOf(f: (...xs: number[]) => number, args: Compiled[]): Compiled {
  if (args.every((a) => a.value !== undefined)) return constant(f(...args.map((a) => a.value as number)));
  if (args.length === 1) return args[0];
  const fns = args.map((a) => a.fn);
  if (fns.length === 2) {
    const [g, h] = fns;
    return { fn: (v) => f(g(v), h(v)) };
  }
  const scratch = new Array<number>(fns.length);
  return {
    fn: (v) => {
      for (let k = 0; k < fns.length; k++) scratch[k] = fns[k](v);
      return f(...scratch);
    },
  };
}

function logicalAnd(a: Compiled, b: Compiled): Compiled {
  if (a.value !== undefined) return a.value !== 0 ? b : constant(0);
  const f = a.fn;
  const g = b.fn;
  return { fn: (v) => (f(v) !== 0 && g(v) !== 0 ? 1 : 0) };
}

function logicalOr(a: Compiled, b: Compiled): Compiled {
  if (a.value !== undefined) return a.value !== 0 ? constant(1) : b;
  const f = a.fn;
  const g = b.fn;
  return { fn: (v) => (f(v) !== 0 || g(v) !== 0 ? 1 : 0) };
}

// ---------------------------------------------------------------------------
// Symbolic derivatives

/**
 * Derivative rules for the calls that mathjs 15's `derivative` cannot
 * process, and for abs and cbrt, where its rules give NaN. mathjs writes
 * d|g| as |g|/g, which is NaN at g = 0, and d cbrt(g) with g^(−2/3), which
 * is NaN for g < 0. Each rule returns the total derivative of the call,
 * given its arguments and a function `d` that differentiates one of them.
 */
const LOCAL_DERIVATIVES: ReadonlyMap<string, (args: MathNode[], d: (node: MathNode) => MathNode) => MathNode> = lookup({
  abs: ([g], d) => times(call('sign', g), d(g)),
  cbrt: ([g], d) => over(d(g), times(number(3), power(call('cbrt', g), number(2)))),
  log1p: ([g], d) => over(d(g), plus(number(1), g.clone())),
  expm1: ([g], d) => times(call('exp', g), d(g)),
  log2: ([g], d) => over(d(g), times(g.clone(), number(Math.LN2))),
  erf: ([g], d) =>
    times(times(number(2 / Math.sqrt(Math.PI)), call('exp', negate(power(g.clone(), number(2))))), d(g)),
  sign: () => number(0),
  floor: () => number(0),
  ceil: () => number(0),
  atan2: ([y, x], d) =>
    over(
      minus(times(x.clone(), d(y)), times(y.clone(), d(x))),
      plus(power(x.clone(), number(2)), power(y.clone(), number(2))),
    ),
  max: (args, d) => extremumDerivative(args, d, 'largerEq', 'max'),
  min: (args, d) => extremumDerivative(args, d, 'smallerEq', 'min'),
});

/**
 * d max(a₁, …, aₙ) is the derivative of the first argument that attains the
 * maximum (likewise for min), a one-sided choice where two arguments tie.
 */
function extremumDerivative(
  args: MathNode[],
  d: (node: MathNode) => MathNode,
  compare: 'largerEq' | 'smallerEq',
  name: 'max' | 'min',
): MathNode {
  if (args.length === 1) return d(args[0]);
  const rest = args.slice(1);
  const restExtremum = rest.length === 1 ? rest[0].clone() : call(name, ...rest);
  const op = compare === 'largerEq' ? '>=' : '<=';
  const test = new OperatorNode(op as never, compare as never, [args[0].clone(), restExtremum] as never);
  return new ConditionalNode(test, d(args[0]), extremumDerivative(rest, d, compare, name));
}

function isOpaque(node: MathNode): boolean {
  if (node.type === 'ConditionalNode') return true;
  if (node.type !== 'FunctionNode') return false;
  const fn = (node as FunctionNode).fn as unknown as MathNode;
  return fn.type === 'SymbolNode' && LOCAL_DERIVATIVES.has((fn as SymbolNode).name);
}

function dependsOn(node: MathNode, variable: string): boolean {
  return node.filter((n) => n.type === 'SymbolNode' && (n as SymbolNode).name === variable).length > 0;
}

/**
 * ∂ tree / ∂ variable for a checked tree. Every call that mathjs cannot
 * differentiate (see LOCAL_DERIVATIVES) and every conditional is replaced by
 * a fresh symbol uₖ. mathjs then differentiates the reduced tree R, and the
 * chain rule adds the hidden dependence:
 *
 *   d tree/dx = ∂R/∂x + Σₖ ∂R/∂uₖ · duₖ/dx,
 *
 * where duₖ/dx comes from the local rule, recursing into the arguments.
 * Finally each uₖ is put back. The fresh names start with "_", which user
 * names cannot (see IDENTIFIER), so they never collide.
 */
function differentiate(tree: MathNode, variable: string): MathNode {
  const hidden: { symbol: string; node: MathNode }[] = [];
  const reduced = tree.transform((node) => {
    if (!isOpaque(node)) return node;
    const symbol = `_u${hidden.length}`;
    hidden.push({ symbol, node });
    return new SymbolNode(symbol);
  });

  let result = mathDerivative(reduced, new SymbolNode(variable));
  for (const { symbol, node } of hidden) {
    if (!dependsOn(node, variable)) continue;
    const outer = mathDerivative(reduced, new SymbolNode(symbol));
    if (isZero(outer)) continue;
    const inner = localDerivative(node, variable);
    if (isZero(inner)) continue;
    result = plus(result, times(outer, inner));
  }

  if (hidden.length === 0) return result;
  const bySymbol = new Map(hidden.map(({ symbol, node }) => [symbol, node]));
  return result.transform((node) => {
    if (node.type !== 'SymbolNode') return node;
    const original = bySymbol.get((node as SymbolNode).name);
    return original ? original.clone() : node;
  });
}

function localDerivative(node: MathNode, variable: string): MathNode {
  const d = (child: MathNode): MathNode => (dependsOn(child, variable) ? differentiate(child, variable) : number(0));
  if (node.type === 'ConditionalNode') {
    const conditional = node as ConditionalNode;
    return new ConditionalNode(conditional.condition.clone(), d(conditional.trueExpr), d(conditional.falseExpr));
  }
  const fnNode = node as FunctionNode;
  const name = (fnNode.fn as unknown as SymbolNode).name;
  const rule = LOCAL_DERIVATIVES.get(name);
  if (!rule) throw new Error(`no local derivative rule for "${name}"`);
  return rule(fnNode.args, d);
}

// Node builders for the derivative code. They skip multiplications by 0 and
// 1 and additions of 0; the compiler folds whatever constants remain.

function number(value: number): MathNode {
  return new ConstantNode(value);
}

function isZero(node: MathNode): boolean {
  return node.type === 'ConstantNode' && (node as ConstantNode).value === 0;
}

function isOne(node: MathNode): boolean {
  return node.type === 'ConstantNode' && (node as ConstantNode).value === 1;
}

function operator(op: string, fn: string, args: MathNode[]): MathNode {
  return new OperatorNode(op as never, fn as never, args as never);
}

function plus(a: MathNode, b: MathNode): MathNode {
  if (isZero(a)) return b;
  if (isZero(b)) return a;
  return operator('+', 'add', [a, b]);
}

function minus(a: MathNode, b: MathNode): MathNode {
  if (isZero(b)) return a;
  if (isZero(a)) return negate(b);
  return operator('-', 'subtract', [a, b]);
}

function times(a: MathNode, b: MathNode): MathNode {
  if (isZero(a) || isZero(b)) return number(0);
  if (isOne(a)) return b;
  if (isOne(b)) return a;
  return operator('*', 'multiply', [a, b]);
}

function over(a: MathNode, b: MathNode): MathNode {
  if (isZero(a)) return number(0);
  return operator('/', 'divide', [a, b]);
}

function power(a: MathNode, b: MathNode): MathNode {
  return operator('^', 'pow', [a, b]);
}

function negate(a: MathNode): MathNode {
  return operator('-', 'unaryMinus', [a]);
}

function call(name: string, ...args: MathNode[]): MathNode {
  return new FunctionNode(name, args.map((arg) => arg.clone()));
}

// ---------------------------------------------------------------------------
// The error function

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf(x) in double precision. For |x| < 3 it sums the series
 * erf(x) = (2/√π) e^(−x²) Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), whose terms are
 * all of one sign, so there is no cancellation. For |x| ≥ 3 it uses
 * erf(x) = 1 − erfc(x), with erfc from the continued fraction
 * erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
 * evaluated bottom-up; there erfc(x) < 2.3e−5, so its own small relative
 * error does not reach erf's last digit.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 3) {
    if (a > 6) return Math.sign(x);
    let tail = 0;
    for (let k = 60; k >= 1; k--) tail = k / 2 / (a + tail);
    const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + tail);
    return Math.sign(x) * (1 - erfc);
  }
  const twoX2 = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= twoX2 / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
}
