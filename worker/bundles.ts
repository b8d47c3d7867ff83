import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';

/** The workflow code of a worker process, bundled once at build time instead of at every start. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/** Tracing's workflow interceptors must be inside the bundle: a worker cannot add them to a prebuilt one. */
const TRACING_INTERCEPTORS = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

const bundleFile = (tracing: boolean) => path.join(__dirname, '..', tracing ? 'workflows.tracing.bundle.js' : 'workflows.bundle.js');

/** Writes both bundles next to the compiled code (`npm run build`). */
export async function buildWorkflowBundles(): Promise<string[]> {
  const written: string[] = [];
  for (const tracing of [false, true]) {
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: tracing ? [TRACING_INTERCEPTORS] : [] });
    fs.writeFileSync(bundleFile(tracing), code);
    written.push(bundleFile(tracing));
  }
  return written;
}

/** The prebuilt bundle of a compiled build, or undefined when running from source (then the worker bundles at start). */
export function prebuiltBundle(tracing: boolean): WorkflowBundleOption | undefined {
  const file = bundleFile(tracing);
  return fs.existsSync(file) ? { codePath: file } : undefined;
}

if (require.main === module) {
  buildWorkflowBundles().then(
    (files) => console.log(`workflow bundles: ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
