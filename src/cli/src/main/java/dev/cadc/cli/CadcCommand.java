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
        CommandLine commandLine = new CommandLine(new CadcCommand()).setExecutionExceptionHandler(new ErrorReporter())
                .setParameterExceptionHandler(new UsageErrorReporter());
        for (String name : java.util.List.of("curate", "explain")) {
            commandLine.getSubcommands().get(name).addMixin("curation", CurationOptions.mixin());
        }
        // The experiment sets each budget itself (--budgets); the other parameters shape its cadc methods.
        commandLine.getSubcommands().get("experiment").addMixin("curation", CurationOptions.mixin(java.util.Set.of("budget")));
        return commandLine;
    }

    /** Whether {@code CADC_DEBUG=1}: errors then come with their stack traces. */
    static boolean debug() {
        return "1".equals(System.getenv("CADC_DEBUG"));
    }

    /** Prints what went wrong in one line (the stack trace only with CADC_DEBUG=1) and fails. */
    private static final class ErrorReporter implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
            if (debug()) {
                e.printStackTrace(commandLine.getErr());
            }
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + oneLine(message(e)));
            commandLine.getErr().flush();
            return EXIT_FAILURE;
        }
    }

    /**
     * A bad flag or option value: one line naming it and where the options are, instead of picocli's
     * full usage text (which buries the error), exit code 2 as picocli's.
     */
    private static final class UsageErrorReporter implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(CommandLine.ParameterException e, String[] args) {
            CommandLine commandLine = e.getCommandLine();
            if (debug()) {
                e.printStackTrace(commandLine.getErr());
            }
            String name = commandLine.getCommandSpec().qualifiedName();
            commandLine.getErr().println(name + ": " + oneLine(e.getMessage()) + " (see '" + name + " --help')");
            commandLine.getErr().flush();
            return commandLine.getCommandSpec().exitCodeOnInvalidInput();
        }
    }

    /**
     * What went wrong, for a person: the JDK's file exceptions carry only the path as their message, so
     * they are said in words; anything else says itself (the project's exceptions say what was expected,
     * what came and what to do).
     */
    static String message(Throwable e) {
        if (e instanceof java.nio.file.NoSuchFileException missing) {
            return "no such file: " + missing.getFile();
        }
        if (e instanceof java.nio.file.AccessDeniedException denied) {
            return "permission denied: " + denied.getFile();
        }
        if (e instanceof java.nio.file.FileSystemException other && other.getReason() != null) {
            return other.getReason() + ": " + other.getFile();
        }
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            return e.getCause() != null ? message(e.getCause()) : e.getClass().getSimpleName();
        }
        return e.getMessage();
    }

    /** A message on one line (a multi-line message would read as several errors). */
    static String oneLine(String message) {
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
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
