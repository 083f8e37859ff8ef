// Preloaded (`node --import`) into the proxy for the telemetry benchmark: a real OpenTelemetry SDK — tracer
// provider, batch span processor with its default queue and batch sizes, W3C propagator — whose exporter drops the spans, so the benchmark measures
// the proxy's span work without an exporter's network traffic. Counts what it dropped on exit (stderr).
import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

let exported = 0;
const exporter = {
  export(spans, done) {
    exported += spans.length;
    done({ code: 0 });
  },
  shutdown: async () => undefined,
};
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
process.once('SIGTERM', () => {
  void provider.forceFlush().then(() => process.stderr.write(`telemetry-preload: ${exported} spans exported\n`));
});
