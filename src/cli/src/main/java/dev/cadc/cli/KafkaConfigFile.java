package dev.cadc.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * {@code --kafka-config FILE}: standard Java Kafka client properties (security settings and the like),
 * passed to the clients unchanged, with the command's {@code --bootstrap} unless the file sets
 * {@code bootstrap.servers} itself.
 *
 * <p>Client timeouts: a command gives up on an unreachable broker after {@value #DEFAULT_TIMEOUT_MS} ms
 * (Kafka's own defaults wait 60 s for metadata), or after {@code CADC_KAFKA_TIMEOUT_MS}; the file may set
 * {@code default.api.timeout.ms} and {@code request.timeout.ms} itself, which win.
 */
final class KafkaConfigFile {

    /** How long a command waits for an unreachable broker by default, ms. */
    static final int DEFAULT_TIMEOUT_MS = 15_000;
    /** The environment variable that changes {@link #DEFAULT_TIMEOUT_MS}. */
    static final String TIMEOUT_VARIABLE = "CADC_KAFKA_TIMEOUT_MS";

    private KafkaConfigFile() {}

    /** The client configuration: the file's properties (if any) over the timeouts and {@code bootstrap.servers}. */
    static Map<String, Object> clientConfig(String bootstrap, Path file) throws IOException {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrap);
        int timeoutMs = timeoutMs(System.getenv(TIMEOUT_VARIABLE));
        // Consumers and admins wait default.api.timeout.ms for metadata, an admin no less than its request
        // timeout. Producers keep their max.block.ms (it also bounds a send blocked by a full buffer, which
        // is back pressure, not an error): every command that produces creates its topics with an admin first.
        config.put("default.api.timeout.ms", timeoutMs);
        config.put("request.timeout.ms", timeoutMs);
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("--kafka-config " + file + " does not exist or is not a file");
            }
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            }
            properties.forEach((key, value) -> config.put(key.toString(), value.toString()));
        }
        return config;
    }

    /** The client timeout: {@code value} of {@value #TIMEOUT_VARIABLE} if set, else the default. */
    static int timeoutMs(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_TIMEOUT_MS;
        }
        try {
            int timeoutMs = Integer.parseInt(value.trim());
            if (timeoutMs > 0) {
                return timeoutMs;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(TIMEOUT_VARIABLE + " must be a positive number of milliseconds, got '" + value + "'");
    }
}
