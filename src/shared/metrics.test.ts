import { loadConfig, tracingSettings } from '../config';
import { ANONYMOUS_OPERATION, MAX_OPERATION_LABELS, Metrics } from './metrics';

describe('Metrics.operationLabel', () => {
  it('keeps names up to the bound, then groups new ones as other; anonymous operations share one label', () => {
    const m = new Metrics({}, { defaultMetrics: false });
    for (let i = 0; i < MAX_OPERATION_LABELS; i++) expect(m.operationLabel(`Op${i}`)).toBe(`Op${i}`);
    expect(m.operationLabel('OneTooMany')).toBe('other');
    expect(m.operationLabel('Op7')).toBe('Op7');
    expect(m.operationLabel(null)).toBe(ANONYMOUS_OPERATION);
    expect(m.operationLabel('')).toBe(ANONYMOUS_OPERATION);
  });

  it('collects the pool and subscription gauges at scrape time', async () => {
    let waiting = 0;
    const m = new Metrics({ pool: () => ({ total: 5, idle: 2, waiting }), openSubscriptions: () => 3 }, { defaultMetrics: false });
    waiting = 4;
    const { body } = await m.scrape();
    expect(body).toContain('cg_db_pool_connections 5');
    expect(body).toContain('cg_db_pool_idle_connections 2');
    expect(body).toContain('cg_db_pool_waiting_requests 4');
    expect(body).toContain('cg_subscriptions_open 3');
    expect(body).not.toContain('process_cpu');
  });
});

describe('observability settings', () => {
  it('turns tracing on only with an OTLP endpoint, unless the SDK is disabled', () => {
    expect(tracingSettings({})).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({ serviceName: 'customer-graph' });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces', OTEL_SERVICE_NAME: 'cg-eu' })).toEqual({
      serviceName: 'cg-eu',
    });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
  });

  it('validates METRICS_TOKEN and METRICS_PORT', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'a-long-enough-token', METRICS_PORT: '9464' })).toMatchObject({
      metricsToken: 'a-long-enough-token',
      metricsPort: 9464,
    });
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ METRICS_PORT: 'x' })).toThrow(/METRICS_PORT/);
  });
});
