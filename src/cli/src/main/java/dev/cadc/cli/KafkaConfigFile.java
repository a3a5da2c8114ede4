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
 */
final class KafkaConfigFile {

    private KafkaConfigFile() {}

    /** The client configuration: the file's properties (if any) over {@code bootstrap.servers}. */
    static Map<String, Object> clientConfig(String bootstrap, Path file) throws IOException {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrap);
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
}
