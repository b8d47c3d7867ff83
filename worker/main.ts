import { runEntryPoint } from '../app/entry';

/** The delivery worker alone: run as many as the load needs against one Temporal cluster. */
runEntryPoint({ api: false, worker: true });
