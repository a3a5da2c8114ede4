package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.flink.config.JobConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code cadc job}'s command line, without a broker: --help tells the job's parameters as
 * {@link JobConfig} declares them, and a bad parameter fails before anything connects.
 * The job itself against Kafka is an ITCase.
 */
class JobCommandTest {

    /** No broker listens here; a test that got as far as connecting would fail on it, not hang on it. */
    private static final String NO_BROKER = "127.0.0.1:1";

    private static final Pattern PARAMETER_NAME = Pattern.compile("^\\s*(--\\S+)\\s", Pattern.MULTILINE);

    @Test
    void helpListsEveryJobParameterWithItsDefault() {
        Result help = execute("job", "--help");

        assertThat(help.exitCode).isZero();
        assertThat(help.out).contains("Usage: cadc job --bootstrap HOST:PORT", "--web-port", "--config FILE");
        Matcher names = PARAMETER_NAME.matcher(JobConfig.describe());
        int count = 0;
        while (names.find()) {
            assertThat(help.out).contains(names.group(1));
            count++;
        }
        assertThat(count).as("parameters in JobConfig.describe()").isGreaterThan(10);
        assertThat(help.out).contains("(default 2000)", "(default hashmap)");
    }

    @Test
    void helpLinesFitTheUsageWidth() {
        for (String line : execute("job", "--help").out.split("\\R")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(80);
        }
    }

    @Test
    void anUnknownParameterFailsNamingItAndTheKnownOnes() {
        Result result = execute("job", "--bootstrap", NO_BROKER, "--bogus", "3");

        assertThat(result.exitCode).isEqualTo(1);
        assertThat(result.err).contains("cadc job: unknown job parameter 'bogus'", "budget", "parallelism");
    }

    @Test
    void aBadValueFailsWithTheJobConfigMessage() {
        Result result = execute("job", "--bootstrap", NO_BROKER, "--parallelism", "0");

        assertThat(result.exitCode).isEqualTo(1);
        assertThat(result.err).contains("cadc job: parallelism must be >= 1, got 0");
    }

    @Test
    void aMissingConfigFileFailsNamingIt() {
        Result result = execute("job", "--bootstrap", NO_BROKER, "--config", "/nonexistent/cadc-job.yaml");

        assertThat(result.exitCode).isEqualTo(1);
        assertThat(result.err).contains("cadc job: config file /nonexistent/cadc-job.yaml does not exist");
    }

    @Test
    void aWebPortOutOfRangeFails() {
        Result result = execute("job", "--bootstrap", NO_BROKER, "--web-port", "70000");

        assertThat(result.exitCode).isEqualTo(1);
        assertThat(result.err).contains("cadc job: --web-port must be 0..65535, got 70000");
    }

    @Test
    void theBootstrapIsRequired() {
        Result result = execute("job", "--bounded");

        assertThat(result.exitCode).isEqualTo(2);
        assertThat(result.err).contains("--bootstrap");
    }

    @Test
    void helpTellsTheClusterMode() {
        Result help = execute("job", "--help");

        assertThat(help.out).contains("cadc job --jobmanager HOST:PORT --stop JOB_ID", "--from-savepoint PATH", "--jar JAR",
                "--savepoint-dir DIR");
    }

    @Test
    void clusterOptionsNeedAJobManager() {
        Result restore = execute("job", "--bootstrap", NO_BROKER, "--from-savepoint", "/nonexistent/savepoint");
        Result stop = execute("job", "--stop", "0123456789abcdef0123456789abcdef");

        assertThat(restore.exitCode).isEqualTo(2);
        assertThat(restore.err).contains("--from-savepoint needs --jobmanager HOST:PORT");
        assertThat(stop.exitCode).isEqualTo(2);
        assertThat(stop.err).contains("--stop needs --jobmanager HOST:PORT");
    }

    @Test
    void aJobManagerThatDoesNotAnswerFailsNamingItsAddress() {
        Result result = execute("job", "--jobmanager", NO_BROKER, "--stop", "0123456789abcdef0123456789abcdef");

        assertThat(result.exitCode).isEqualTo(1);
        assertThat(result.err).contains("cadc job: no Flink JobManager answers at http://127.0.0.1:1");
    }

    @Test
    void filesTheJobManagerReadsArePassedAsAbsolutePaths() {
        String cwd = java.nio.file.Path.of("").toAbsolutePath().toString();

        assertThat(ClusterJobSubmission.withAbsoluteFiles(List.of("--bootstrap", "k:9092", "--config", "job.yaml",
                "--kafka-config=conf/client.properties", "--budget", "0.1")))
                .containsExactly("--bootstrap", "k:9092", "--config", cwd + "/job.yaml",
                        "--kafka-config=" + cwd + "/conf/client.properties", "--budget", "0.1");
    }

    @Test
    void longParameterLinesWrapUnderTheirDescription() {
        List<String> lines = JobCommand.wrapWithHangingIndent(
                "  --name   one two three four five six seven eight nine ten", 30);

        assertThat(lines).containsExactly(
                "  --name   one two three four",
                "           five six seven",
                "           eight nine ten");
        assertThat(JobCommand.wrapWithHangingIndent("  --short  fits", 30)).containsExactly("  --short  fits");
    }

    private static Result execute(String... args) {
        CommandLine commandLine = CadcCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exitCode = commandLine.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err) {}
}
