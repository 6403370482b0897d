/**
 * Benchmarks. `npm run bench` prints the time per step of every solver
 * family; `npm run bench -- --quick` runs a reduced set for CI. Timings
 * depend on the machine; docs/BENCHMARKS.md records measured figures with
 * the hardware they were taken on.
 */
import { cpus } from 'node:os';

import { benchFiniteVolume, type BenchRow } from './finite-volume.js';
import { benchKinetic } from './kinetic.js';
import { benchParticles } from './particles.js';
import { benchRandom } from './random.js';
import { benchSpectral } from './spectral.js';

function printTable(title: string, rows: BenchRow[]): void {
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(`${'solver / scheme'.padEnd(46)}${'size'.padEnd(14)}${'µs/step'.padStart(12)}${'steps'.padStart(8)}\n`);
  for (const row of rows) {
    process.stdout.write(
      `${row.name.padEnd(46)}${row.size.padEnd(14)}${row.microsecondsPerStep.toFixed(1).padStart(12)}${String(row.steps).padStart(8)}\n`,
    );
  }
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(`pbt-meanfield benchmarks${quick ? ' (quick)' : ''}: node ${process.version}, ${cpus().length} × ${cpu}\n`);
  printTable('Finite volume, time per step (per generation for G and T)', benchFiniteVolume(quick));
  printTable('Spectral, time per step (same problems)', benchSpectral(quick));
  printTable('Kinetic (θ, λ), time per step (size n_θ × n_λ)', benchKinetic(quick));

  process.stdout.write('\nParticles, full ridge system: ns per agent per step, against drawing the same normals alone\n');
  process.stdout.write(`${'system'.padEnd(46)}${'size'.padEnd(22)}${'ns/agent·step'.padStart(14)}${'RNG floor'.padStart(12)}${'ratio'.padStart(8)}\n`);
  for (const row of benchParticles(quick)) {
    process.stdout.write(
      `${row.name.padEnd(46)}${row.size.padEnd(22)}${row.nsPerAgentStep.toFixed(1).padStart(14)}` +
        `${row.rngFloorNs.toFixed(1).padStart(12)}${(row.nsPerAgentStep / row.rngFloorNs).toFixed(2).padStart(8)}\n`,
    );
  }

  process.stdout.write('\nRandom numbers\n');
  for (const row of benchRandom()) process.stdout.write(`${row.name.padEnd(50)}${row.nsPerItem.toFixed(1).padStart(10)} ns\n`);
}

main();
