package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command tree: every subcommand is listed by --help with a one-line header and has a --help. */
class CadcCommandTest {

    @Test
    void helpListsEverySubcommandWithOneLine() {
        CommandLine commandLine = CadcCommand.commandLine();
        StringWriter help = new StringWriter();
        commandLine.setOut(new PrintWriter(help));
        assertThat(commandLine.execute("--help")).isZero();

        assertThat(commandLine.getSubcommands()).isNotEmpty();
        for (var entry : commandLine.getSubcommands().entrySet()) {
            String[] header = entry.getValue().getCommandSpec().usageMessage().header();
            assertThat(header).as("header of " + entry.getKey()).hasSize(1);
            assertThat(help.toString()).contains(entry.getKey()).contains(header[0]);

            StringWriter subcommandHelp = new StringWriter();
            CommandLine fresh = CadcCommand.commandLine();
            fresh.setOut(new PrintWriter(subcommandHelp));
            String warnings = capturingStandardError(() -> assertThat(fresh.execute(entry.getKey(), "--help")).isZero());
            assertThat(subcommandHelp.toString()).contains("Usage: cadc " + entry.getKey());
            assertThat(warnings).as("picocli's complaints about the help text of " + entry.getKey()).isEmpty();
        }
    }

    @Test
    void aMissingRequiredOptionIsAUsageErrorNamingIt() {
        CommandLine commandLine = CadcCommand.commandLine();
        StringWriter errors = new StringWriter();
        commandLine.setErr(new PrintWriter(errors));
        assertThat(commandLine.execute("inspect", "--run", "r1")).isEqualTo(2);
        assertThat(errors.toString()).contains("--bootstrap");
    }

    /** picocli reports a malformed help text (an unescaped {@code %}) on standard error, not through the command. */
    private static String capturingStandardError(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
