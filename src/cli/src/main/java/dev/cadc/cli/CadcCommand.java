package dev.cadc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The {@code cadc} command: one entry point, one subcommand per task. Each subcommand lives in its
 * own class; this one only wires them and turns failures into a message and a non-zero exit.
 */
@Command(
        name = "cadc",
        mixinStandardHelpOptions = true,
        versionProvider = CadcCommand.Version.class,
        description = "Live, capability-attributed data curation for instruction tuning, on Flink and Kafka.",
        subcommands = {BrokerCommand.class, InspectCommand.class, CurateCommand.class, SketchesCommand.class,
            JobCommand.class, ClusterCommand.class, TrainCommand.class, ExperimentCommand.class, DemoCommand.class, ExplainCommand.class,
            BenchCommand.class},
        commandListHeading = "%nCommands:%n",
        footer = "%nRun 'cadc COMMAND --help' for the options of a command.")
public final class CadcCommand implements Runnable {

    /** Exit code for a failure at run time (bad input file, unreachable broker, ...). */
    static final int EXIT_FAILURE = 1;

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call {@code commandLine().execute(...)} in-process. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new CadcCommand()).setExecutionExceptionHandler(new ErrorReporter());
        for (String name : java.util.List.of("curate", "explain")) {
            commandLine.getSubcommands().get(name).addMixin("curation", CurationOptions.mixin());
        }
        // The experiment sets each budget itself (--budgets); the other parameters shape its cadc methods.
        commandLine.getSubcommands().get("experiment").addMixin("curation", CurationOptions.mixin(java.util.Set.of("budget")));
        return commandLine;
    }

    /** Prints what went wrong in one line (the stack trace only with CADC_DEBUG=1) and fails. */
    private static final class ErrorReporter implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
            if ("1".equals(System.getenv("CADC_DEBUG"))) {
                e.printStackTrace(commandLine.getErr());
            }
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            commandLine.getErr().println("cadc " + commandLine.getCommandName() + ": " + message);
            return EXIT_FAILURE;
        }
    }

    /** The version from the jar manifest (the Maven project version). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = CadcCommand.class.getPackage().getImplementationVersion();
            return new String[] {"cadc " + (version == null ? "(development build)" : version)};
        }
    }
}
