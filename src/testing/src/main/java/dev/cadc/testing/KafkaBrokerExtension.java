package dev.cadc.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real KRaft broker on loopback per test class: {@code @RegisterExtension static final
 * KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();} starts it before the class's tests and
 * closes it after them. Tests use fresh topics or run ids, so they need no broker of their own.
 * {@link #saslSsl()} starts one that accepts SASL_SSL clients only; {@link #clientConfig()} connects to either.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {

    private final EmbeddedKafkaBroker.Security security;
    private EmbeddedKafkaBroker broker;

    /** A PLAINTEXT broker. */
    public KafkaBrokerExtension() {
        this(EmbeddedKafkaBroker.Security.PLAINTEXT);
    }

    private KafkaBrokerExtension(EmbeddedKafkaBroker.Security security) {
        this.security = security;
    }

    /** A broker whose only client listener is SASL_SSL (SCRAM-SHA-512), as {@code cadc broker --security sasl-ssl} starts it. */
    public static KafkaBrokerExtension saslSsl() {
        return new KafkaBrokerExtension(EmbeddedKafkaBroker.Security.SASL_SSL);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        try {
            broker = EmbeddedKafkaBroker.start(0, Files.createTempDirectory("cadc-kafka-"), true, security);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary Kafka data directory", e);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        broker.close();
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** {@code bootstrap.servers} and, for a SASL_SSL broker, its client settings. */
    public Map<String, Object> clientConfig() {
        return broker().clientConfig();
    }

    /** The broker itself, for its {@link EmbeddedKafkaBroker#clientProperties()} and the like. */
    public EmbeddedKafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("the broker starts before the test class: register the extension on a static field");
        }
        return broker;
    }
}
