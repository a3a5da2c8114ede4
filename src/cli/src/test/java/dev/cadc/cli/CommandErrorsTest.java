package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A representative sample of bad invocations, in-process through the picocli entry: a bad flag or value,
 * a missing file, a file of the wrong format, an unreachable broker. Each exits non-zero with one line
 * on standard error that starts with the command's name and says what is wrong (no stack trace: that
 * needs {@code CADC_DEBUG=1}); an unreachable broker is named within the client timeout.
 */
class CommandErrorsTest {

    /** The client timeout the unreachable-broker cases set through {@code --kafka-config}, ms. */
    private static final int SHORT_TIMEOUT_MS = 2_000;

    @TempDir
    static Path directory;
    private static String closedPort;
    private static Path shortTimeouts;
    private static Path jsonFile;

    @BeforeAll
    static void files() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = "127.0.0.1:" + socket.getLocalPort();
        }
        shortTimeouts = Files.writeString(directory.resolve("client.properties"),
                "default.api.timeout.ms=" + SHORT_TIMEOUT_MS + "\nrequest.timeout.ms=" + SHORT_TIMEOUT_MS + "\n");
        jsonFile = Files.writeString(directory.resolve("sketches.json"), "{\"run_id\": \"r\", \"rows\": []}\n");
    }

    static Stream<Arguments> badInvocations() {
        String missing = directory.resolve("missing.arrows").toString();
        String out = directory.resolve("out.json").toString();
        return Stream.of(
                Arguments.of("unknown flag", "Unknown option: '--frobnicate'",
                        List.of("curate", "--sketches", missing, "--out", out, "--frobnicate")),
                Arguments.of("bad value", "Invalid value for option '--timeout'",
                        List.of("inspect", "--bootstrap", closedPort, "--run", "r", "--timeout", "soon")),
                Arguments.of("bad subcommand flag", "Unknown option: '--fast'",
                        List.of("sketches", "publish", "--file", missing, "--bootstrap", closedPort, "--fast")),
                Arguments.of("TRAIN sketches every 0th step", "--train-sketch-every must be >= 1",
                        List.of("train", "--bootstrap", closedPort, "--run", "r", "--train-sketch-every", "0")),
                Arguments.of("missing sketch file", "missing.arrows does not exist",
                        List.of("curate", "--sketches", missing, "--out", out)),
                Arguments.of("sketch file of another format", "does not begin like an Arrow IPC stream",
                        List.of("curate", "--sketches", jsonFile.toString(), "--out", out)),
                Arguments.of("publish a file of another format", "its first bytes are '{\"ru'",
                        List.of("sketches", "publish", "--file", jsonFile.toString(), "--bootstrap", closedPort)),
                Arguments.of("missing --kafka-config file", "--kafka-config",
                        List.of("inspect", "--bootstrap", closedPort, "--run", "r", "--kafka-config", missing)),
                Arguments.of("inspect an unreachable broker", "cannot reach Kafka at " + closedPort,
                        List.of("inspect", "--bootstrap", closedPort, "--run", "r", "--kafka-config", shortTimeouts.toString())),
                Arguments.of("explain against an unreachable broker", closedPort,
                        List.of("explain", "--bootstrap", closedPort, "--run", "r", "--sample", "1",
                                "--kafka-config", shortTimeouts.toString())),
                Arguments.of("publish to an unreachable broker", closedPort, List.of("sketches", "publish", "--file",
                        sketchFile().toString(), "--bootstrap", closedPort, "--kafka-config", shortTimeouts.toString())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInvocations")
    void exitsNonZeroWithOneClearLine(String what, String expected, List<String> args) {
        long started = System.nanoTime();
        Result result = run(args);
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(result.exitCode()).as(what).isNotZero();
        assertThat(result.errorLines()).as(what + ": standard error").singleElement().asString()
                .startsWith("cadc " + args.get(0)).contains(expected).doesNotContain("\tat ").doesNotContain("Exception:");
        assertThat(elapsedMs).as(what + ": within the client timeout").isLessThan(SHORT_TIMEOUT_MS * 4L + 5_000);
    }

    /** Without any setting an unreachable broker is reported within the default client timeout of 15 s. */
    @Test
    void anUnreachableBrokerIsNamedWithinTheDefaultClientTimeout() {
        long started = System.nanoTime();
        Result result = run(List.of("inspect", "--bootstrap", closedPort, "--run", "r"));
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.errorLines()).singleElement().asString().contains("cannot reach Kafka at " + closedPort + " within 15 s");
        assertThat(elapsedMs).isBetween((long) KafkaConfigFile.DEFAULT_TIMEOUT_MS - 1_000, KafkaConfigFile.DEFAULT_TIMEOUT_MS + 5_000L);
    }

    @Test
    void theClientTimeoutVariableMustBeAPositiveNumber() {
        assertThat(KafkaConfigFile.timeoutMs(null)).isEqualTo(15_000);
        assertThat(KafkaConfigFile.timeoutMs("3000")).isEqualTo(3_000);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KafkaConfigFile.timeoutMs("0"))
                .hasMessageContaining("CADC_KAFKA_TIMEOUT_MS");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KafkaConfigFile.timeoutMs("soon"))
                .hasMessageContaining("CADC_KAFKA_TIMEOUT_MS");
    }

    @Test
    void aMultiLineMessageBecomesOneLine() {
        assertThat(CadcCommand.oneLine("first\n  second\r\nthird\n")).isEqualTo("first; second; third");
        assertThat(CadcCommand.message(new java.nio.file.NoSuchFileException("/x/y"))).isEqualTo("no such file: /x/y");
    }

    private record Result(int exitCode, List<String> errorLines) {}

    private static Result run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args.toArray(String[]::new));
        List<String> lines = new ArrayList<>();
        err.toString().lines().filter(line -> !line.isBlank()).forEach(lines::add);
        return new Result(exitCode, lines);
    }

    /** A valid sketch file of one small run (so only the broker can fail). */
    private static Path sketchFile() {
        Path file = directory.resolve("small.arrows");
        if (Files.exists(file)) {
            return file;
        }
        dev.cadc.core.sketch.ProjectionSpec projection =
                new dev.cadc.core.sketch.ProjectionSpec(4, 1L, dev.cadc.core.sketch.ProjectionKind.DENSE);
        dev.cadc.core.format.SketchBatch batch = dev.cadc.core.format.SketchBatch.builder("small", projection)
                .add(1, 0, dev.cadc.core.format.Role.POOL, 1, 0.1f, 1f, new float[] {1, 2, 3, 4}).build();
        try (var writer = dev.cadc.core.format.SketchStreamWriter.create(file, projection)) {
            writer.write(batch);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file;
    }
}
