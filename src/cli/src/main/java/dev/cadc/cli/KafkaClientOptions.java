package dev.cadc.cli;

import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The Kafka client flags every command that talks to Kafka takes besides its {@code --bootstrap}:
 * {@code --kafka-config FILE} (security settings and the like, passed through unchanged) and
 * {@code --topic-prefix} (a team's prefix in front of every topic name). A picocli mixin, declared once.
 */
final class KafkaClientOptions {

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = "",
            description = "Put in front of every topic name (a team's prefix, e.g. team-a.; the job must use the same); default none.")
    String topicPrefix;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Java Kafka client properties (security settings and the like), passed to the clients unchanged.")
    Path kafkaConfig;

    /** The client settings for {@code bootstrap}: {@code --kafka-config}'s properties over it. */
    Map<String, Object> clientConfig(String bootstrap) throws java.io.IOException {
        return KafkaConfigFile.clientConfig(bootstrap, kafkaConfig);
    }
}
