package dev.cadc.cli;

import dev.cadc.client.CurriculumClient;
import dev.cadc.client.TopicReader;
import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.curriculum.Explanation;
import dev.cadc.core.curriculum.SketchSource;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.topic.CadcTopics;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cadc explain}: why a sample is, or is not, in a run's newest curriculum. The Kafka log is the
 * audit trail: the command replays the run's sketches up to the newest curriculum's checkpoint
 * through the same core code the job runs, checks that it reproduces the published curriculum, and
 * reports the sample's influence per capability, attribution, rank, the cutoff, stage, and harmful or
 * duplicate status.
 */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        header = "Explain why a sample is or is not in the curriculum.",
        description = {
            "Replays the run's sketches (cadc.sketches) up to the newest curriculum's checkpoint with the job's core",
            "code and the curriculum's budget, checks the result equals the published curriculum, and prints the",
            "sample's influence per capability, attributed capability, rank, cutoff, stage, harmful/duplicate status.",
            "The influence source comes from the run-start record; curation parameters other than the budget are the",
            "job's defaults unless given here."
        },
        sortOptions = false)
final class ExplainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
    String bootstrap;

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafka;


    @Option(names = "--run", required = true, paramLabel = "ID", description = "The run id.")
    String runId;

    @Option(names = "--sample", required = true, paramLabel = "N", description = "The sample id.")
    long sampleId;

    // The curation parameters (--budget, --k-min, ...) come from CurationOptions.mixin(); given explicitly, they
    // override what the curriculum version records.

    @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS", description = "Read timeout per topic (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> client = kafka.clientConfig(bootstrap);
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        Curriculum published;
        try (CurriculumClient curricula = new CurriculumClient(client, kafka.topicPrefix)) {
            published = curricula.latest(runId, timeout).orElseThrow(() -> new IllegalStateException(
                    "run " + runId + " has no committed curriculum on " + CadcTopics.withPrefix(kafka.topicPrefix).curriculum() + " yet; see ./cadc inspect"));
        }
        InfluenceSource[] source = {InfluenceSource.POOL};
        List<SketchBatch> batches = sketches(client, published.checkpoint(), timeout, source);
        if (batches.isEmpty()) {
            throw new IllegalStateException("no sketches of run " + runId + " on " + CadcTopics.withPrefix(kafka.topicPrefix).sketches());
        }
        CuratorConfig config = replayConfig(published);
        Curator.Detailed detailed = new Curator(config).curateInDetail(SketchSource.of(batches), runId,
                batches.get(0).projection().sketchDim(), source[0]);
        boolean reproduced = CurriculumJson.toCurriculum(detailed.result()).entries().equals(published.entries());
        Explanation explanation = Explanation.of(detailed, sampleId);

        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "run %s, curriculum version %d (checkpoints 0..%d): %s%n", runId, published.version(),
                published.checkpoint(), reproduced ? "replayed from cadc.sketches, identical to the published curriculum"
                        : "WARNING: the replay differs from the published curriculum (the job ran with other parameters?)");
        out.println("sample " + sampleId + ": " + explanation.verdict());
        if (explanation.inPool()) {
            out.println("  capability influence I(i, c):");
            for (int c = 0; c < explanation.capabilityIds().length; c++) {
                out.printf(Locale.ROOT, "    capability %3d  %+.6g%s%n", explanation.capabilityIds()[c], explanation.capabilityInfluence()[c],
                        explanation.capabilityIds()[c] == explanation.attributedCapability() ? "  <- attributed" : "");
            }
            out.printf(Locale.ROOT, "  harmful: %s, near-duplicate skipped: %s%n", explanation.harmful(), explanation.duplicateSkipped());
        }
        out.flush();
        return 0;
    }

    /**
     * The parameters that produced the published version, as it records them, overridden by flags given
     * explicitly. A curriculum written before versions recorded their parameters gets the flags or
     * defaults, with its resolved budget as a count.
     */
    private CuratorConfig replayConfig(Curriculum published) {
        Map<String, String> values = new java.util.LinkedHashMap<>(published.parameters());
        if (values.isEmpty()) {
            values.put("budget", Long.toString(Math.max(1, published.budget())));
        }
        values.putAll(CurationOptions.explicit(spec));
        return dev.cadc.core.curriculum.CurationParameters.parse(values);
    }

    /** The run's sketch rows with checkpoints up to {@code checkpoint} (what its curriculum version saw). */
    private List<SketchBatch> sketches(Map<String, Object> client, int checkpoint, Duration timeout, InfluenceSource[] source) {
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        List<SketchBatch> batches = new ArrayList<>();
        try (TopicReader reader = new TopicReader(client, CadcTopics.withPrefix(kafka.topicPrefix).sketches())) {
            reader.readToEnd(timeout, record -> {
                if (!Arrays.equals(record.key(), key) || record.value() == null) {
                    return;
                }
                try {
                    RecordKind kind = RecordKind.classify(header(record, WireFormat.HEADER_SCHEMA_VERSION),
                            header(record, WireFormat.HEADER_CONTENT_TYPE), header(record, WireFormat.HEADER_RECORD_TYPE));
                    if (kind == RecordKind.RUN_START) {
                        source[0] = ControlRecordCodec.decodeRunStart(record.value()).influenceSource();
                    }
                    if (kind != RecordKind.SKETCH_BATCH) {
                        return;
                    }
                    SketchBatch batch = SketchCodec.decode(record.value());
                    SketchBatch.Builder kept = SketchBatch.builder(batch.runId(), batch.projection());
                    for (int r = 0; r < batch.rowCount(); r++) {
                        if (batch.checkpoint(r) <= checkpoint) {
                            kept.add(batch.step(r), batch.checkpoint(r), batch.role(r), batch.sampleId(r), batch.learningRate(r),
                                    batch.loss(r), batch.sketch(r));
                        }
                    }
                    if (kept.rowCount() > 0) {
                        batches.add(kept.build());
                    }
                } catch (InvalidRecordException e) {
                    // A dead letter for the job too: not part of any curriculum.
                }
            });
        }
        return batches;
    }

    private static String header(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
