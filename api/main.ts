import { runEntryPoint } from '../app/entry';

/** The ingest API alone: stateless, scale it behind a load balancer. */
runEntryPoint({ api: true, worker: false });
