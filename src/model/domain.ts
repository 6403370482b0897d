/**
 * Hyperparameter domains Λ: a box ∏[a_k, b_k] or a torus with the same
 * extent, in dimension 1 or 2.
 */

export type DomainKind = 'box' | 'torus';

export type Dimension = 1 | 2;

/** Base class of the hyperparameter space Λ. */
export abstract class Domain {
  abstract readonly kind: DomainKind;
  readonly dim: Dimension;
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  /** Axis names with units for reports, such as "log10 learning rate"; absent means λ, λ₁, λ₂. */
  readonly labels?: readonly string[];

  constructor(lower: readonly number[], upper: readonly number[], labels?: readonly string[]) {
    if (lower.length !== upper.length || (lower.length !== 1 && lower.length !== 2)) {
      throw new RangeError(
        `domain: lower and upper must both have length 1 or 2, got lengths ${lower.length} and ${upper.length}`,
      );
    }
    for (let k = 0; k < lower.length; k++) {
      const a = lower[k];
      const b = upper[k];
      if (!Number.isFinite(a) || !Number.isFinite(b) || !(a < b)) {
        throw new RangeError(
          `domain: axis ${k} has bounds [${a}, ${b}]; the bounds must be finite with lower < upper`,
        );
      }
    }
    this.dim = lower.length as Dimension;
    this.lower = Object.freeze([...lower]);
    this.upper = Object.freeze([...upper]);
    if (labels !== undefined) {
      if (labels.length !== lower.length) {
        throw new RangeError(`domain: ${labels.length} labels given for a domain of dimension ${lower.length}`);
      }
      this.labels = Object.freeze([...labels]);
    }
  }

  /** Extent b_k − a_k of axis k. */
  length(axis: number): number {
    return this.upper[axis] - this.lower[axis];
  }

  /** Lebesgue measure of the domain. */
  volume(): number {
    let v = 1;
    for (let k = 0; k < this.dim; k++) v *= this.length(k);
    return v;
  }

  describe(): string {
    const sides = this.lower.map((a, k) => `[${a}, ${this.upper[k]}]`).join(' × ');
    return `${this.kind} ${sides}`;
  }
}

/** A box with faces; mutation reflects or clips at the faces, diffusion is no-flux. */
export class Box extends Domain {
  readonly kind = 'box' as const;
}

/** A torus: every axis is periodic with period b_k − a_k. */
export class Torus extends Domain {
  readonly kind = 'torus' as const;

  /** Maps x into [a, b) on the given axis. */
  wrap(axis: number, x: number): number {
    const a = this.lower[axis];
    const period = this.length(axis);
    let y = (x - a) % period;
    if (y < 0) y += period;
    return a + y;
  }
}

export function makeDomain(
  kind: DomainKind,
  lower: readonly number[],
  upper: readonly number[],
  labels?: readonly string[],
): Domain {
  return kind === 'torus' ? new Torus(lower, upper, labels) : new Box(lower, upper, labels);
}
