// Imported first by sea-entry.ts, so the re-execution happens before the rest of the bundle runs.
import { reexecWithMallocTuning } from './malloc-tuning.ts';

reexecWithMallocTuning();
