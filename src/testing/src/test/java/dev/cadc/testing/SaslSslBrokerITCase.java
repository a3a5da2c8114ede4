package dev.cadc.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SASL_SSL development broker: it writes {@code ca.pem} and {@code client.properties} (owner-only,
 * in the documented form), accepts a client configured by that file alone, refuses a wrong password,
 * and restarts on its data directory with the same user and topics.
 */
class SaslSslBrokerITCase {

    private static final Pattern PASSWORD = Pattern.compile("password=\"([^\"]+)\"");

    @Test
    void clientPropertiesAloneConnectAndARestartKeepsUserAndTopics(@TempDir Path dataDir) throws Exception {
        String password;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dataDir, false, EmbeddedKafkaBroker.Security.SASL_SSL)) {
            Path clientProperties = dataDir.resolve("client.properties");
            assertThat(broker.clientProperties()).contains(clientProperties.toAbsolutePath());
            assertThat(Files.getPosixFilePermissions(clientProperties)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.getPosixFilePermissions(dataDir.resolve("ca.pem"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.readString(dataDir.resolve("ca.pem"))).startsWith("-----BEGIN CERTIFICATE-----");
            List<String> lines = Files.readAllLines(clientProperties);
            password = password(lines.get(2));
            assertThat(password).hasSizeGreaterThanOrEqualTo(32);
            assertThat(lines).containsExactly(
                    "security.protocol=SASL_SSL",
                    "sasl.mechanism=SCRAM-SHA-512",
                    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"cadc\" password=\""
                            + password + "\";",
                    "ssl.truststore.type=PEM",
                    "ssl.truststore.location=" + dataDir.toAbsolutePath().resolve("ca.pem"));

            try (Admin admin = Admin.create(fromFile(broker.bootstrapServers(), clientProperties))) {
                admin.createTopics(List.of(new NewTopic("kept-secure", 1, (short) 1))).all().get();
            }

            Map<String, Object> wrongPassword = new HashMap<>(broker.clientConfig());
            wrongPassword.put("sasl.jaas.config", SaslSslSetup.jaasConfig(SaslSslSetup.USERNAME, password + "x"));
            try (Admin admin = Admin.create(wrongPassword)) {
                assertThatThrownBy(() -> admin.listTopics().names().get())
                        .isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(SaslAuthenticationException.class)
                        .hasMessageContaining("invalid credentials with SASL mechanism SCRAM-SHA-512");
            }
        }

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dataDir, false, EmbeddedKafkaBroker.Security.SASL_SSL);
                Admin admin = Admin.create(broker.clientConfig())) {
            assertThat(password(Files.readAllLines(dataDir.resolve("client.properties")).get(2))).isEqualTo(password);
            assertThat(admin.listTopics().names().get()).contains("kept-secure");
        }

        assertThatThrownBy(() -> EmbeddedKafkaBroker.start(0, dataDir, false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("set up with --security sasl-ssl");
    }

    @Test
    void aPlaintextDataDirectoryCannotBeSecuredLater(@TempDir Path dataDir) {
        EmbeddedKafkaBroker.start(0, dataDir, false).close();

        assertThatThrownBy(() -> EmbeddedKafkaBroker.start(0, dataDir, false, EmbeddedKafkaBroker.Security.SASL_SSL))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("formatted without security")
                .hasMessageContaining("new --data-dir");
    }

    private static String password(String jaasLine) {
        Matcher matcher = PASSWORD.matcher(jaasLine);
        assertThat(matcher.find()).as("a password in " + jaasLine.replaceAll("password=\"[^\"]*\"", "password=...")).isTrue();
        return matcher.group(1);
    }

    private static Map<String, Object> fromFile(String bootstrap, Path file) throws Exception {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        Map<String, Object> config = new HashMap<>();
        properties.forEach((key, value) -> config.put(key.toString(), value));
        config.put("bootstrap.servers", bootstrap);
        return config;
    }
}
