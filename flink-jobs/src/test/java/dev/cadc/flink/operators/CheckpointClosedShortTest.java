package dev.cadc.flink.operators;

import static dev.cadc.flink.operators.OperatorTestData.GRACE_MS;
import static dev.cadc.flink.operators.OperatorTestData.RUN;
import static dev.cadc.flink.operators.OperatorTestData.RUN_TTL_MS;
import static dev.cadc.flink.operators.OperatorTestData.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.cadc.core.run.RunGate;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.RunEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint-complete whose row count is never reached: the checkpoint closes short once the grace
 * period has passed in event time, and the validator says so three ways: the closing event carries
 * the flag (the version built from it), a WARN line names the run, the checkpoint and the rows, and
 * the {@code checkpointsClosedShort} counter goes up. ({@code cadc inspect} showing it is tested in
 * the CLI's {@code InspectCommandITCase}.)
 */
class CheckpointClosedShortTest {

    private final ValidatorInputs inputs = new ValidatorInputs();

    @Test
    void aCheckpointWhoseAnnouncedRowsNeverComeClosesShortLoggedAndCounted() throws Exception {
        InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
        MockEnvironment environment = new MockEnvironmentBuilder().setMetricGroup(new UnregisteredMetricGroups.UnregisteredTaskMetricGroup() {
            @Override
            public InternalOperatorMetricGroup getOrAddOperator(OperatorID operatorId, String name, Map<String, String> additional) {
                return metrics;
            }
        }).build();
        List<String> warnings = new CopyOnWriteArrayList<>();
        try (AutoCloseable capture = captureWarnings(warnings);
                KeyedOneInputStreamOperatorTestHarness<String, DecodedRecord, RunEvent> harness = new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new SketchValidator(GRACE_MS, RUN_TTL_MS)), OperatorTestData.BY_RUN, Types.STRING, environment)) {
            harness.open();
            OperatorTestData.Records records = OperatorTestData.records();
            harness.processElement(inputs.summary(records.runStart()), 0L);
            harness.processElement(inputs.summary(records.sketches(batch(0, 2, 1, 0))), 0L);
            harness.processElement(inputs.summary(records.checkpointComplete(0, 5)), 0L);
            harness.processWatermark(GRACE_MS - 1);
            Counter closedShort = (Counter) metrics.get("checkpointsClosedShort");
            assertThat(closedShort.getCount()).as("before the grace period passes").isZero();

            harness.processWatermark(GRACE_MS);

            assertThat(harness.extractOutputValues()).filteredOn(e -> e.kind() == RunEvent.Kind.CHECKPOINT_CLOSED)
                    .extracting(e -> e.closed.checkpoint, e -> e.closed.sourceRows, e -> e.closed.shortCheckpoint).containsExactly(tuple(0, 1L, true));
            assertThat(closedShort.getCount()).isEqualTo(1);
            assertThat(warnings).singleElement().asString().contains("run " + RUN).contains("checkpoint 0 closed short")
                    .contains("grace period passed").contains("3 POOL/PROBE rows arrived, 5 announced");
        }
    }

    /** Collects the validator's WARN lines while open. */
    private static AutoCloseable captureWarnings(List<String> lines) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        AbstractAppender appender = new AbstractAppender("short-checkpoint-capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                if (event.getLevel() == Level.WARN) {
                    lines.add(event.getMessage().getFormattedMessage());
                }
            }
        };
        appender.start();
        LoggerConfig logger = new LoggerConfig(RunGate.class.getName(), Level.WARN, false);
        logger.addAppender(appender, Level.WARN, null);
        context.getConfiguration().addLogger(logger.getName(), logger);
        context.updateLoggers();
        return () -> {
            context.getConfiguration().removeLogger(logger.getName());
            context.updateLoggers();
            appender.stop();
        };
    }
}
