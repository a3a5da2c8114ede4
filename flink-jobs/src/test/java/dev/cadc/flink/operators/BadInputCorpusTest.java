package dev.cadc.flink.operators;

import static dev.cadc.flink.operators.OperatorTestData.GRACE_MS;
import static dev.cadc.flink.operators.OperatorTestData.RUN_TTL_MS;
import static dev.cadc.flink.operators.OperatorTestData.deadLetterOf;
import static dev.cadc.flink.operators.OperatorTestData.sideOutput;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.format.DeadLetter;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.RunEvent;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every record of the bad-input corpus ({@code src/test/resources/bad-input/}) through the
 * validator and asserts the reason code its file names: each bad record becomes exactly one dead
 * letter carrying its original key, value and headers (nothing is lost, nothing reaches the
 * operators downstream), and the valid run-start is accepted.
 */
class BadInputCorpusTest {

    private final ValidatorInputs inputs = new ValidatorInputs();

    /**
     * The stored files equal the generator's output. {@code mvn ... -Dtest=BadInputCorpusTest
     * -Dcadc.badInput.regenerate=true} first rewrites them from the generator (no test is skipped
     * without it: this one then only compares).
     */
    @Test
    void theFilesAreWhatTheGeneratorWrites() throws Exception {
        if (Boolean.getBoolean("cadc.badInput.regenerate")) {
            BadInputCorpus.write(BadInputCorpus.SOURCE_DIRECTORY);
        }
        List<BadInputCorpus.Entry> generated = BadInputCorpus.entries();
        List<BadInputCorpus.Entry> stored = BadInputCorpus.load();
        assertThat(stored).extracting(BadInputCorpus.Entry::name)
                .as("corpus files; regenerate with -Dcadc.badInput.regenerate=true -Dtest=BadInputCorpusTest")
                .containsExactlyElementsOf(generated.stream().map(BadInputCorpus.Entry::name).toList());
        for (int i = 0; i < generated.size(); i++) {
            BadInputCorpus.Entry want = generated.get(i);
            BadInputCorpus.Entry have = stored.get(i);
            assertThat(have.value()).as(want.name() + ".bin").isEqualTo(want.value());
            assertThat(have.key()).as(want.name() + " key").isEqualTo(want.key());
            assertThat(have.reason()).as(want.name() + " reason").isEqualTo(want.reason());
            assertThat(have.headers()).as(want.name() + " headers").usingRecursiveFieldByFieldElementComparator()
                    .containsExactlyElementsOf(want.headers());
            assertThat(have.afterRunStart()).as(want.name() + " run_start").isEqualTo(want.afterRunStart());
        }
    }

    /** The reasons the corpus must show (issue 15's list of bad inputs). */
    @Test
    void theCorpusCoversEveryInputReasonOfTheIssue() {
        Set<ReasonCode> covered = BadInputCorpus.load().stream().map(BadInputCorpus.Entry::reason)
                .filter(java.util.Objects::nonNull).collect(Collectors.toCollection(() -> EnumSet.noneOf(ReasonCode.class)));
        assertThat(covered).containsAll(EnumSet.of(ReasonCode.MALFORMED_IPC, ReasonCode.MISSING_COLUMN, ReasonCode.WRONG_TYPE,
                ReasonCode.WRONG_DIMENSION, ReasonCode.PROJECTION_MISMATCH, ReasonCode.NON_FINITE, ReasonCode.UNKNOWN_ROLE,
                ReasonCode.INVALID_VALUE, ReasonCode.NO_RUN_START, ReasonCode.UNSUPPORTED_VERSION, ReasonCode.UNKNOWN_RECORD_TYPE,
                ReasonCode.BAD_CONTROL_RECORD, ReasonCode.OVERSIZED, ReasonCode.INVALID_RUN_ID, ReasonCode.RUN_MISMATCH));
    }

    static Stream<BadInputCorpus.Entry> badEntries() {
        return BadInputCorpus.load().stream().filter(entry -> entry.reason() != null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badEntries")
    void eachFileGetsTheReasonItNames(BadInputCorpus.Entry entry) throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, DecodedRecord, RunEvent> harness = validator()) {
            long offset = 0;
            if (entry.afterRunStart()) {
                harness.processElement(inputs.summary(runStart().toKafkaRecord(offset++)), 0L);
            }
            KafkaRecord bad = entry.toKafkaRecord(offset);
            harness.processElement(inputs.summary(bad), 0L);
            if (!entry.afterRunStart()) {
                assertThat(sideOutput(harness, SketchValidator.DEAD_LETTERS)).as("waiting for its run-start").isEmpty();
                harness.processWatermark(GRACE_MS);
            }

            List<OutputRecord> deadLetters = sideOutput(harness, SketchValidator.DEAD_LETTERS);
            assertThat(deadLetters).as(entry.description()).hasSize(1);
            assertOriginal(deadLetters.get(0), bad, entry.reason());
            assertThat(harness.extractOutputValues()).as("only the run-start reaches the operators after it")
                    .allMatch(event -> event.kind() == RunEvent.Kind.RUN_START);
            assertThat(inputs.sourceRows(harness)).isEmpty();
        }
    }

    /**
     * The whole corpus in one stream, each bad record between valid rows of the run: every bad record
     * is one dead letter with its reason, every valid row gets through, the checkpoint closes complete.
     */
    @Test
    void theWholeCorpusInOneRunLosesNothing() throws Exception {
        OperatorTestData.Records records = OperatorTestData.records();
        List<BadInputCorpus.Entry> bad = badEntries().toList();
        try (KeyedOneInputStreamOperatorTestHarness<String, DecodedRecord, RunEvent> harness = validator()) {
            long offset = 1_000;
            harness.processElement(inputs.summary(runStart().toKafkaRecord(offset++)), 0L);
            List<KafkaRecord> sent = new ArrayList<>();
            for (BadInputCorpus.Entry entry : bad) {
                harness.processElement(inputs.summary(records.sketches(OperatorTestData.batch(0, 1, 1, 0))), 0L);
                KafkaRecord record = entry.toKafkaRecord(offset++);
                sent.add(record);
                harness.processElement(inputs.summary(record), 0L);
            }
            harness.processElement(inputs.summary(records.checkpointComplete(0, 2L * bad.size())), 0L);
            harness.processWatermark(GRACE_MS);

            List<OutputRecord> deadLetters = sideOutput(harness, SketchValidator.DEAD_LETTERS);
            assertThat(deadLetters).hasSameSizeAs(bad);
            for (OutputRecord letter : deadLetters) {
                DeadLetter read = deadLetterOf(letter);
                int index = (int) (read.sourceOffset() - 1_001);
                assertOriginal(letter, sent.get(index), bad.get(index).reason());
            }
            assertThat(inputs.sourceRows(harness)).hasSize(bad.size());
            assertThat(harness.extractOutputValues()).filteredOn(e -> e.kind() == RunEvent.Kind.CHECKPOINT_CLOSED)
                    .singleElement().satisfies(closed -> assertThat(closed.closed.shortCheckpoint).isFalse());
        }
    }

    private static BadInputCorpus.Entry runStart() {
        return BadInputCorpus.load().stream().filter(entry -> entry.name().equals(BadInputCorpus.RUN_START)).findFirst().orElseThrow();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, DecodedRecord, RunEvent> validator() throws Exception {
        return OperatorTestData.keyedHarness(new SketchValidator(GRACE_MS, RUN_TTL_MS), OperatorTestData.BY_RUN, null);
    }

    private static void assertOriginal(OutputRecord letter, KafkaRecord source, ReasonCode reason) {
        DeadLetter deadLetter = deadLetterOf(letter);
        assertThat(deadLetter.reason()).as(deadLetter.detail()).isEqualTo(reason);
        assertThat(deadLetter.sourceOffset()).isEqualTo(source.offset);
        assertThat(deadLetter.detail()).isNotBlank();
        assertThat(letter.key).isEqualTo(source.key);
        assertThat(letter.value).isEqualTo(source.value);
        assertThat(letter.headerNames).endsWith(source.headerNames);
    }
}
