package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cadc.client.TopicReader;
import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.curriculum.SketchFile;
import dev.cadc.core.curriculum.SketchSource;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.testing.KafkaBrokerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cadc sketches publish} against a real broker: a synthesised file replayed to a topic comes back
 * whole (every row, spread over the partitions, with run-start, one checkpoint-complete per checkpoint and
 * a run-end), and the rows read back curate to the same curriculum as the file.
 */
class SketchesPublishITCase {

    @RegisterExtension
    private static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void aFileReplaysWholeSpreadAndWithItsControlRecords(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("planted.arrows");
        assertThat(run("sketches", "synth", "--out", file.toString(), "--run", "replayed", "--capabilities", "3",
                "--dim", "32", "--checkpoints", "3", "--helpful-per-capability", "30")).isZero();
        String topic = "sketches-publish-test";

        StringWriter out = new StringWriter();
        assertThat(run(out, "sketches", "publish", "--file", file.toString(), "--bootstrap", KAFKA.bootstrapServers(),
                "--topic", topic)).isZero();
        assertThat(out.toString()).contains("published run replayed").contains("checkpoints 0..2").contains("4 partition(s)");

        List<SketchBatch> readBack = new ArrayList<>();
        List<String> controls = new ArrayList<>();
        Set<Integer> partitions = new HashSet<>();
        // Per partition, in offset order: -1 for a checkpoint-complete, else the batch's newest checkpoint.
        Map<Integer, List<Integer>> sequence = new java.util.TreeMap<>();
        try (TopicReader reader = new TopicReader(Map.of("bootstrap.servers", KAFKA.bootstrapServers()), topic)) {
            assertThat(reader.readToEnd(Duration.ofSeconds(60), record -> {
                RecordKind kind = RecordKind.classify(header(record, WireFormat.HEADER_SCHEMA_VERSION),
                        header(record, WireFormat.HEADER_CONTENT_TYPE), header(record, WireFormat.HEADER_RECORD_TYPE));
                if (kind == RecordKind.SKETCH_BATCH) {
                    SketchBatch batch = SketchCodec.decode(record.value());
                    readBack.add(batch);
                    partitions.add(record.partition());
                    int newest = -1;
                    for (int row = 0; row < batch.rowCount(); row++) {
                        newest = Math.max(newest, batch.checkpoint(row));
                    }
                    sequence.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(newest);
                } else {
                    controls.add(header(record, WireFormat.HEADER_RECORD_TYPE));
                    if (kind == RecordKind.CHECKPOINT_COMPLETE) {
                        sequence.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(-1);
                    }
                }
            })).isTrue();
        }
        assertThat(controls).containsExactly("run-start", "checkpoint-complete", "checkpoint-complete", "checkpoint-complete", "run-end");
        assertThat(partitions).hasSize(4);
        // The file is in checkpoint order, so checkpoint 0 is announced before the last checkpoint's rows
        // are sent, as a trainer would: in the control records' partition, rows of checkpoint 2 follow it.
        List<Integer> withControls = sequence.values().stream().filter(list -> list.contains(-1)).findFirst().orElseThrow();
        assertThat(withControls.subList(withControls.indexOf(-1), withControls.size())).contains(2);

        SketchFile original = SketchFile.open(file);
        long[] rows = {0};
        original.scan(batch -> rows[0] += batch.rowCount());
        assertThat(readBack.stream().mapToLong(SketchBatch::rowCount).sum()).isEqualTo(rows[0]);
        Curator curator = new Curator(CuratorConfig.defaults());
        CurationResult fromFile = curator.curate(original, "replayed", 32, InfluenceSource.POOL);
        CurationResult fromTopic = curator.curate(SketchSource.of(readBack), "replayed", 32, InfluenceSource.POOL);
        assertThat(fromTopic).isEqualTo(fromFile);
    }

    @Test
    void aMissingFileOrRunIsOneClearLine(@TempDir Path dir) throws Exception {
        StringWriter err = new StringWriter();
        picocli.CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setErr(new PrintWriter(err));
        assertThat(commandLine.execute("sketches", "publish", "--file", dir.resolve("none.arrows").toString(),
                "--bootstrap", KAFKA.bootstrapServers())).isNotZero();
        assertThat(err.toString().trim()).startsWith("cadc sketches publish:").contains("does not exist").doesNotContain("\n");
    }

    private static int run(String... args) {
        return run(new StringWriter(), args);
    }

    private static int run(StringWriter out, String... args) {
        picocli.CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));
        return commandLine.execute(args);
    }

    private static String header(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
