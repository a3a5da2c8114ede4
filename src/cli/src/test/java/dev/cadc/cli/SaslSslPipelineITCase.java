package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cadc.client.CurriculumClient;
import dev.cadc.client.SketchPublisher;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.testing.EmbeddedKafkaBroker;
import dev.cadc.testing.SaslSslSetup;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole path over SASL_SSL, through the commands a user runs: the broker as {@code cadc broker
 * --security sasl-ssl} starts it (the command's own code), then {@code sketches publish}, {@code job
 * --bounded}, {@code inspect} and {@code explain}, each given {@code --kafka-config DIR/client.properties},
 * and {@link CurriculumClient} with the same file: the job's final curriculum equals {@code cadc curate}
 * on the same file. The Python reader given the same file reads it too, where its librdkafka can (see
 * {@link #assertPythonReads}). A client without the settings and one with a wrong password are refused
 * with a clear error, and neither password appears in any log line at INFO or above (broker, clients,
 * Flink, CADC), in any command's output or in Python's.
 */
class SaslSslPipelineITCase {

    private static final String RUN = "secured-run";
    private static final Pattern JAAS_PASSWORD = Pattern.compile("password=\"([^\"]+)\"");
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern LIBRDKAFKA_VERSION = Pattern.compile("librdkafka (\\d+)\\.(\\d+)\\.(\\d+)\\S*");

    @Test
    void theWholePathRunsOverSaslSslRefusesBadClientsAndLogsNoPassword(@TempDir Path dir) throws Exception {
        Path sketches = dir.resolve("secured.arrows");
        assertThat(run(new StringWriter(), "sketches", "synth", "--out", sketches.toString(), "--run", RUN,
                "--capabilities", "3", "--dim", "32", "--checkpoints", "3", "--helpful-per-capability", "30")).isZero();
        Path expected = dir.resolve("expected.arrow");
        assertThat(run(new StringWriter(), "curate", "--sketches", sketches.toString(), "--out", dir.resolve("expected.json").toString(),
                "--out-arrow", expected.toString())).isZero();

        String wrongPassword = "not-the-password-" + UUID.randomUUID();
        StringWriter output = new StringWriter();
        String password;
        List<String> logLines;
        try (CapturedLogs logs = new CapturedLogs(Level.INFO)) {
            BrokerCommand brokerCommand = CommandLine.populateCommand(new BrokerCommand(),
                    "--security", "sasl-ssl", "--port", "0", "--data-dir", dir.resolve("broker").toString());
            try (EmbeddedKafkaBroker broker = brokerCommand.start(new PrintWriter(output))) {
                String bootstrap = broker.bootstrapServers();
                Path clientProperties = broker.clientProperties().orElseThrow();
                password = password(clientProperties);
                assertThat(output.toString()).contains("broker ready at " + bootstrap + " (SASL_SSL only")
                        .contains("client settings in " + clientProperties).contains("--kafka-config " + clientProperties);

                assertThat(run(output, "sketches", "publish", "--file", sketches.toString(), "--bootstrap", bootstrap,
                        "--kafka-config", clientProperties.toString())).as(output.toString()).isZero();
                assertThat(run(output, "job", "--bootstrap", bootstrap, "--kafka-config", clientProperties.toString(),
                        "--bounded", "--web-port", "0", "--checkpoint-interval-ms", "500")).as(output.toString()).isZero();

                Curriculum newest;
                try (CurriculumClient curricula = new CurriculumClient(KafkaConfigFile.clientConfig(bootstrap, clientProperties))) {
                    newest = curricula.latest(RUN, READ_TIMEOUT).orElseThrow();
                }
                assertThat(newest).isEqualTo(CurriculumCodec.decode(Files.readAllBytes(expected), RUN));

                StringWriter inspected = new StringWriter();
                assertThat(run(inspected, "inspect", "--bootstrap", bootstrap, "--kafka-config", clientProperties.toString(),
                        "--run", RUN)).as(inspected.toString()).isZero();
                assertThat(inspected.toString()).contains("run " + RUN).contains("dead letters: 0");
                StringWriter explained = new StringWriter();
                assertThat(run(explained, "explain", "--bootstrap", bootstrap, "--kafka-config", clientProperties.toString(),
                        "--run", RUN, "--sample", Long.toString(newest.entries().get(0).sampleId()))).as(explained.toString()).isZero();
                assertThat(explained.toString()).contains("identical to the published curriculum");
                output.append(inspected.toString()).append(explained.toString());

                output.append(assertPythonReads(bootstrap, clientProperties, newest));

                assertRefusedWithoutSettings(bootstrap, output);
                assertRefusedWithWrongPassword(broker, dir.resolve("wrong.properties"), clientProperties, password, wrongPassword, output);
            }
            logLines = logs.lines();
        }

        assertThat(logLines).as("the capture sees the clients' INFO configuration dumps, with the secret hidden")
                .anyMatch(line -> line.contains("sasl.jaas.config = [hidden]"));
        assertThat(logLines).as("log lines holding the password").noneMatch(line -> line.contains(password));
        assertThat(logLines).as("log lines holding the wrong password").noneMatch(line -> line.contains(wrongPassword));
        assertThat(output.toString()).doesNotContain(password).doesNotContain(wrongPassword);
    }

    /**
     * Without the settings a client cannot get past TLS, and the broker drops it: the command says so in
     * one line naming the address and the flag, and so does the publisher's topic admin.
     */
    private static void assertRefusedWithoutSettings(String bootstrap, StringWriter output) {
        StringWriter errors = new StringWriter();
        assertThat(run(output, errors, "inspect", "--bootstrap", bootstrap, "--run", RUN, "--timeout", "3")).isEqualTo(1);
        assertThat(errors.toString().trim()).doesNotContain("\n")
                .startsWith("cadc inspect: cannot reach Kafka at " + bootstrap + " within 3 s")
                .contains("--kafka-config FILE");
        output.append(errors.toString());

        Map<String, Object> plaintext = Map.of("bootstrap.servers", bootstrap, "default.api.timeout.ms", 3_000, "request.timeout.ms", 2_000);
        assertThatThrownBy(() -> new SketchPublisher(plaintext).close())
                .hasMessageContaining("cannot create topics")
                .hasMessageContaining("at " + bootstrap)
                .hasMessageContaining("--kafka-config FILE");
    }

    /** A wrong password is refused by the broker, named as such, to the command and to the Java clients. */
    private static void assertRefusedWithWrongPassword(EmbeddedKafkaBroker broker, Path wrongFile, Path clientProperties,
            String password, String wrongPassword, StringWriter output) throws Exception {
        Files.writeString(wrongFile, Files.readString(clientProperties).replace(password, wrongPassword));
        StringWriter errors = new StringWriter();
        assertThat(run(output, errors, "inspect", "--bootstrap", broker.bootstrapServers(), "--kafka-config", wrongFile.toString(),
                "--run", RUN, "--timeout", "10")).isEqualTo(1);
        assertThat(errors.toString().trim()).doesNotContain("\n").startsWith("cadc inspect: Authentication failed")
                .contains("invalid credentials with SASL mechanism " + SaslSslSetup.MECHANISM);
        output.append(errors.toString());

        Map<String, Object> wrongConfig = KafkaConfigFile.clientConfig(broker.bootstrapServers(), wrongFile);
        assertThatThrownBy(() -> new SketchPublisher(wrongConfig).close())
                .hasMessageContaining("cannot create topics")
                .hasMessageContaining("invalid credentials")
                .hasRootCauseInstanceOf(SaslAuthenticationException.class);
        try (CurriculumClient curricula = new CurriculumClient(wrongConfig)) {
            assertThatThrownBy(() -> curricula.latest(RUN, READ_TIMEOUT))
                    .isInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("invalid credentials");
        }
    }

    /**
     * The Python client's reader ({@code src/python}, Debian's python3 as in {@code PythonClientITCase})
     * given {@code read_client_properties(client.properties)} reads {@code newest}. A librdkafka older than
     * 2.6.1 (Debian 12 has 2.0.2) cannot: Kafka 4 refuses its SCRAM exchange as invalid credentials
     * whatever the password; then the reader must say so when it is made, and fail. Returns everything
     * Python printed, librdkafka's own log lines included, for the password check.
     */
    private static String assertPythonReads(String bootstrap, Path clientProperties, Curriculum newest) throws Exception {
        Path root = Path.of(System.getProperty("basedir", "."), "..", "..").toAbsolutePath().normalize();
        String script = String.join("\n",
                "import sys, warnings, confluent_kafka, cadc",
                "print('librdkafka', confluent_kafka.libversion()[0], flush=True)",
                "with warnings.catch_warnings(record=True) as caught:",
                "    warnings.simplefilter('always')",
                "    reader = cadc.CurriculumReader(sys.argv[1], **cadc.read_client_properties(sys.argv[2]))",
                "for warning in caught:",
                "    print('warning:', warning.message, flush=True)",
                "try:",
                "    newest = reader.latest(sys.argv[3], 30 if caught == [] else 3)",
                "except Exception as e:",
                "    print('failed:', type(e).__name__, e, flush=True)",
                "    sys.exit(3)",
                "finally:",
                "    reader.close()",
                "for e in newest.entries:",
                "    print(newest.version, e.sample_id, e.stage, e.position, e.capability)");
        ProcessBuilder builder = new ProcessBuilder(System.getProperty("cadc.python", "/usr/bin/python3"), "-B", "-c", script,
                bootstrap, clientProperties.toString(), RUN).redirectErrorStream(true);
        builder.environment().put("PYTHONPATH", root.resolve("src/python").toString());
        Process python = builder.start();
        python.getOutputStream().close();
        String printed = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(60, TimeUnit.SECONDS)).as("python finished").isTrue();

        Matcher version = LIBRDKAFKA_VERSION.matcher(printed);
        assertThat(version.find()).as(printed).isTrue();
        boolean scramWorks = Arrays.compare(new int[] {Integer.parseInt(version.group(1)), Integer.parseInt(version.group(2)),
                Integer.parseInt(version.group(3))}, new int[] {2, 6, 1}) >= 0;
        if (scramWorks) {
            assertThat(python.exitValue()).as(printed).isZero();
            assertThat(printed.lines().filter(line -> !line.startsWith("librdkafka ")).toList())
                    .as("the Python reader's entries").containsExactlyElementsOf(entryLines(newest));
        } else {
            assertThat(python.exitValue()).as(printed).isEqualTo(3);
            assertThat(printed).contains("warning: librdkafka " + version.group(0).substring("librdkafka ".length())
                    + " cannot authenticate with SCRAM-SHA-512").contains("SASL authentication error");
        }
        return printed;
    }

    private static List<String> entryLines(Curriculum curriculum) {
        return curriculum.entries().stream()
                .map(e -> curriculum.version() + " " + e.sampleId() + " " + e.stage() + " " + e.position() + " " + e.capability())
                .toList();
    }

    private static String password(Path clientProperties) throws Exception {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(clientProperties)) {
            properties.load(reader);
        }
        Matcher matcher = JAAS_PASSWORD.matcher(properties.getProperty("sasl.jaas.config"));
        assertThat(matcher.find()).as("client.properties has a sasl.jaas.config with a password").isTrue();
        return matcher.group(1);
    }

    private static int run(StringWriter out, String... args) {
        return run(out, out, args);
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }
}
