/**
 * Entry of a particle worker thread (see threads.ts). It rebuilds the
 * per-block work from its workerData, reports that it started, and then
 * runs one phase per command until the Stop command.
 */

import { workerData as data } from 'node:worker_threads';

import type { BlockPhases, Phase } from './phases.js';
import { Control, errorMessage, phasesFromSpec, STOP, type WorkerData } from './threads.js';

const { spec, buffers, control, errors } = data as WorkerData;
const blockCount = Math.ceil(spec.agents / spec.blockSize);

/** Sends an error to the calling thread and counts the failure. */
function fail(error: unknown): void {
  errors.postMessage(errorMessage(error));
  Atomics.add(control, Control.Failed, 1);
}

function serve(phases: BlockPhases): void {
  let generation = 0;
  for (;;) {
    Atomics.wait(control, Control.Generation, generation);
    generation = Atomics.load(control, Control.Generation);
    const command = Atomics.load(control, Control.Command);
    if (command === STOP) return;
    try {
      for (;;) {
        const block = Atomics.add(control, Control.NextBlock, 1);
        if (block >= blockCount) break;
        phases.run(command as Phase, block);
      }
    } catch (error) {
      // Other threads stop taking blocks, and the calling thread raises the error.
      Atomics.store(control, Control.NextBlock, blockCount);
      fail(error);
    }
    Atomics.add(control, Control.Done, 1);
    Atomics.notify(control, Control.Done);
  }
}

let phases: BlockPhases | undefined;
try {
  phases = phasesFromSpec(spec, buffers);
} catch (error) {
  fail(error);
}
Atomics.add(control, Control.Ready, 1);
Atomics.notify(control, Control.Ready);
if (phases !== undefined) serve(phases);
errors.close();
