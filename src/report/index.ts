export * from './spec.js';
export * from './format.js';
export * from './quantities.js';
export * from './traces.js';
export * from './figures.js';
export { solutionNames } from './comparison.js';
export * from './summary.js';
export * from './html.js';
