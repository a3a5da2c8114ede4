package dev.cadc.cluster;

import java.util.Properties;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * Flink's Prometheus reporter, serving {@code /metrics} on one host only. Flink's own
 * {@code PrometheusReporter} binds every interface; {@code cadc cluster} keeps everything on loopback.
 * Configured as {@code metrics.reporter.prom.factory.class: dev.cadc.cluster.LoopbackPrometheusReporterFactory}
 * with {@code metrics.reporter.prom.host} (default {@value #DEFAULT_HOST}) and
 * {@code metrics.reporter.prom.port} (a port or a range such as {@code 9250-9260}: the first free one).
 * The metric names and labels are those of Flink's reporter (it is the same collector registry).
 */
public final class LoopbackPrometheusReporterFactory implements MetricReporterFactory {

    public static final String HOST = "host";
    public static final String PORT = "port";
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String DEFAULT_PORT = "9249";

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return new LoopbackPrometheusReporter(properties.getProperty(HOST, DEFAULT_HOST),
                properties.getProperty(PORT, DEFAULT_PORT));
    }
}
