import { context, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

export interface Tracing {
  /** Adds Temporal's OpenTelemetry interceptors to the client and the worker (trace context travels in headers). */
  plugin: OpenTelemetryPlugin;
  tracer: Tracer;
  shutdown(): Promise<void>;
}

let installed: Tracing | null = null;

/**
 * Optional tracing from ingest to delivery: a span per ingest request, then Temporal's spans for starting the
 * workflow, running it and each activity, all in one trace. On when OTEL_EXPORTER_OTLP_ENDPOINT is set (spans go
 * there over OTLP/HTTP), or when a span processor is given (tests). One tracer provider per process.
 */
export function setUpTracing(options: { endpoint?: string; serviceName: string; spanProcessor?: SpanProcessor }): Tracing | null {
  if (installed) return installed;
  if (!options.endpoint && !options.spanProcessor) return null;
  const resource = new Resource({ 'service.name': options.serviceName });
  const spanProcessor = options.spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint!.replace(/\/+$/, '')}/v1/traces` }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
  installed = {
    plugin: new OpenTelemetryPlugin({ resource, spanProcessor }),
    tracer: trace.getTracer('signal-xtremepush'),
    shutdown: () => provider.forceFlush(),
  };
  return installed;
}

/** Runs `work` inside a span, so the workflows it starts join the span's trace. */
export async function inSpan<T>(tracer: Tracer | undefined, name: string, work: () => Promise<T>): Promise<T> {
  if (!tracer) return work();
  const span = tracer.startSpan(name);
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } finally {
    span.end();
  }
}
