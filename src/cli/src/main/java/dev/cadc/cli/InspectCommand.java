package dev.cadc.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cadc.client.RunInspector;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.format.CapabilitySummary;
import dev.cadc.core.format.CurriculumEntry;
import dev.cadc.core.format.Role;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

/** {@code cadc inspect}: what the topics say about a run, as a table or as JSON. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        header = "Show a run's newest curriculum, capabilities and record counts.",
        description = {
            "Print a run's newest committed curriculum and capabilities, its sketch rows by role, its control",
            "records, its dead letters and each checkpoint's announced and accepted rows (a checkpoint the job",
            "closed short after the grace period shows as 'closed short'). With nothing curated yet it still",
            "prints the counts."
        })
final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
    String bootstrap;

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafka;


    @Option(names = "--run", required = true, paramLabel = "ID", description = "The run id (the record key).")
    String runId;

    @Option(names = "--json", description = "Print JSON (the shape of 'cadc curate --out', plus the counts).")
    boolean json;

    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "How long to wait for each topic to be read to its end (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--max-rows", defaultValue = "20", description = "Curriculum rows to show per stage in the table (default ${DEFAULT-VALUE}).")
    int maxRows;

    @Override
    public Integer call() throws Exception {
        RunInspector.RunReport report = RunInspector.inspect(
                kafka.clientConfig(bootstrap), kafka.topicPrefix, runId, Duration.ofSeconds(timeoutSeconds));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(CurriculumJson.write(toJson(report)));
        } else {
            printTable(report, out);
        }
        out.flush();
        return 0;
    }

    private static ObjectNode toJson(RunInspector.RunReport report) {
        ObjectNode root;
        if (report.curriculum() != null) {
            root = CurriculumJson.of(report.curriculum(), report.capabilities(), null);
        } else {
            root = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
            root.put("run_id", report.runId());
            root.putNull("version");
            root.set("capabilities", CurriculumJson.capabilitiesJson(report.capabilities()));
            root.putArray("stages");
            root.putNull("harmful");
        }
        ObjectNode rows = root.putObject("sketch_rows");
        report.sketchRows().forEach((role, count) -> rows.put(role.name(), count));
        ObjectNode control = root.putObject("control_records");
        report.controlRecords().forEach(control::put);
        root.put("unreadable_records", report.unreadableRecords());
        if (report.capabilities() != null && !report.probeDescriptions().isEmpty()) {
            ObjectNode probes = root.putObject("capability_probes");
            for (CapabilitySummary capability : report.capabilities().capabilities()) {
                probes.put(Integer.toString(capability.id()), composition(capability.probes(), report.probeDescriptions()));
            }
        }
        root.put("dead_letters", report.deadLetters());
        ArrayNode checkpoints = root.putArray("checkpoints");
        for (RunInspector.CheckpointRows checkpoint : report.checkpoints()) {
            ObjectNode item = checkpoints.addObject();
            item.put("checkpoint", checkpoint.checkpoint());
            item.put("announced_rows", checkpoint.announcedRows());
            item.put("accepted_rows", checkpoint.acceptedRows());
            item.put("state", checkpoint.state().name().toLowerCase(java.util.Locale.ROOT));
        }
        ArrayNode closedShort = root.putArray("checkpoints_closed_short");
        report.closedShort().forEach(checkpoint -> closedShort.add(checkpoint.checkpoint()));
        return root;
    }

    private void printTable(RunInspector.RunReport report, PrintWriter out) {
        out.println("run " + report.runId());
        out.println("  sketch rows: " + Arrays.stream(Role.values())
                .map(role -> role + " " + report.sketchRows().get(role))
                .collect(Collectors.joining(", ")));
        out.println("  control records: " + (report.controlRecords().isEmpty() ? "none" : report.controlRecords().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))));
        if (report.unreadableRecords() > 0) {
            out.println("  unreadable sketch records: " + report.unreadableRecords());
        }
        out.println("  dead letters: " + report.deadLetters());
        if (!report.checkpoints().isEmpty()) {
            out.println("  checkpoints: " + report.checkpoints().stream().map(InspectCommand::describe)
                    .collect(Collectors.joining(", ")));
        }
        if (!report.closedShort().isEmpty()) {
            out.println("  closed short: checkpoint(s) " + report.closedShort().stream()
                    .map(c -> Integer.toString(c.checkpoint())).collect(Collectors.joining(", "))
                    + " (announced rows never arrived or were dead letters; the job's versions from them lack those rows;"
                    + " metric checkpointsClosedShort)");
        }
        if (report.capabilities() == null) {
            out.println("  capabilities: none published yet");
        } else {
            out.printf("  capabilities (version %d, checkpoint %d):%n", report.capabilities().version(), report.capabilities().checkpoint());
            out.printf("    %4s  %6s  %10s  %10s  %s%n", "id", "probes", "difficulty", "attributed", "probe ids");
            for (CapabilitySummary capability : report.capabilities().capabilities()) {
                out.printf("    %4d  %6d  %10.4f  %10d  %s%n", capability.id(), capability.probeCount(),
                        capability.difficulty(), capability.attributed(), abbreviate(capability.probes()));
                if (!report.probeDescriptions().isEmpty()) {
                    out.println("          made of: " + composition(capability.probes(), report.probeDescriptions()));
                    Arrays.stream(capability.probes()).limit(2).mapToObj(report.probeDescriptions()::get)
                            .filter(java.util.Objects::nonNull)
                            .forEach(text -> out.println("          e.g. " + text));
                }
            }
        }
        if (report.curriculum() == null) {
            out.println("  curriculum: none published yet");
            return;
        }
        var curriculum = report.curriculum();
        out.printf("  curriculum version %d (checkpoint %d): %d selected of budget %d from a pool of %d; %d harmful excluded; shortfall %d%n",
                curriculum.version(), curriculum.checkpoint(), curriculum.entries().size(), curriculum.budget(),
                curriculum.poolSize(), curriculum.harmfulCount(), curriculum.shortfall());
        out.printf("    %5s  %8s  %12s  %10s  %12s%n", "stage", "position", "sample", "capability", "influence");
        Map<Integer, java.util.List<CurriculumEntry>> byStage = curriculum.entries().stream()
                .collect(Collectors.groupingBy(CurriculumEntry::stage, java.util.TreeMap::new, Collectors.toList()));
        byStage.forEach((stage, entries) -> {
            entries.stream().limit(maxRows).forEach(entry -> out.printf("    %5d  %8d  %12d  %10d  %12.6g%n",
                    entry.stage(), entry.position(), entry.sampleId(), entry.capability(), entry.influence()));
            if (entries.size() > maxRows) {
                out.printf("    %5d  ... %d more in this stage%n", stage, entries.size() - maxRows);
            }
        });
    }

    /** "2 closed short (96 of 120 rows)": a checkpoint's state and its accepted of announced rows. */
    private static String describe(RunInspector.CheckpointRows checkpoint) {
        String state = checkpoint.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        String rows = checkpoint.announcedRows() < 0
                ? checkpoint.acceptedRows() + " rows, never announced"
                : checkpoint.acceptedRows() + " of " + checkpoint.announcedRows() + " rows";
        return checkpoint.checkpoint() + " " + state + " (" + rows + ")";
    }

    /** How a capability's probes are described, by the text before ':' (e.g. the question family). */
    static String composition(long[] probes, Map<Long, String> descriptions) {
        return Arrays.stream(probes).mapToObj(descriptions::get).filter(java.util.Objects::nonNull)
                .map(text -> text.contains(":") ? text.substring(0, text.indexOf(':')) : text)
                .collect(Collectors.groupingBy(kind -> kind, java.util.TreeMap::new, Collectors.counting()))
                .toString();
    }

    private static String abbreviate(long[] ids) {
        String shown = Arrays.stream(ids).limit(8).mapToObj(Long::toString).collect(Collectors.joining(","));
        return ids.length > 8 ? shown + ",... (" + ids.length + ")" : shown;
    }
}
