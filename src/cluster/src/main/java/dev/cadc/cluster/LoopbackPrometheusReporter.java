package dev.cadc.cluster;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.util.Iterator;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;
import org.apache.flink.util.PortRange;

/**
 * {@link AbstractPrometheusReporter} (Flink's metric-to-collector translation) with its HTTP server on
 * the given host and the first free port of a range; see {@link LoopbackPrometheusReporterFactory}.
 */
final class LoopbackPrometheusReporter extends AbstractPrometheusReporter {

    private final HTTPServer httpServer;

    LoopbackPrometheusReporter(String host, String portRange) {
        CollectorRegistry registry = registryOf(this);
        Iterator<Integer> ports = new PortRange(portRange).getPortsIterator();
        HTTPServer started = null;
        int bound = -1;
        while (started == null && ports.hasNext()) {
            int candidate = ports.next();
            try {
                started = new HTTPServer(new InetSocketAddress(host, candidate), registry, true);
                bound = candidate;
            } catch (IOException taken) {
                log.debug("Prometheus port {}:{} is taken: {}", host, candidate, taken.getMessage());
            }
        }
        if (started == null) {
            throw new IllegalStateException("no free port for the Prometheus reporter on " + host + " in " + portRange);
        }
        httpServer = started;
        log.info("Started PrometheusReporter HTTP server on {}:{}", host, bound);
    }

    @Override
    public void close() {
        httpServer.stop();
        super.close();
    }

    /**
     * The reporter's collector registry: a package-private field of Flink's class (its own
     * {@code PrometheusReporter} sits in that package). Fails loudly if a Flink version renames it.
     */
    private static CollectorRegistry registryOf(AbstractPrometheusReporter reporter) {
        try {
            Field field = AbstractPrometheusReporter.class.getDeclaredField("registry");
            field.setAccessible(true);
            return (CollectorRegistry) field.get(reporter);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this Flink version's AbstractPrometheusReporter has no 'registry' field; "
                    + "use Flink's PrometheusReporterFactory (binds every interface) or update cadc-cluster", e);
        }
    }
}
