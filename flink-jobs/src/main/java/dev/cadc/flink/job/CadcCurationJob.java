package dev.cadc.flink.job;

import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.operators.CapabilityClustererFunction;
import dev.cadc.flink.operators.CapabilitySelector;
import dev.cadc.flink.operators.RecordDecoder;
import dev.cadc.flink.operators.SampleInfluence;
import dev.cadc.flink.operators.SketchValidator;
import dev.cadc.flink.operators.VersionAssembler;
import dev.cadc.flink.records.BucketInput;
import dev.cadc.flink.records.CandidateBatch;
import dev.cadc.flink.records.CapabilityChoice;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.VersionPart;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.ProbeModel;
import dev.cadc.flink.records.RunEvent;
import dev.cadc.flink.records.VersionPlan;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The CADC curation job: {@code cadc.sketches} in; {@code cadc.curriculum}, {@code cadc.capabilities}
 * and {@code cadc.dead-letter} out, exactly once.
 *
 * <pre>
 * source -> RecordDecoder (chained, every subtask: Arrow decoding, per-value checks)
 *             | summaries + bytes, probe rows, control records   | POOL/TRAIN rows, in parcels by bucket
 *             v                                                 |
 *           SketchValidator (keyed by run) --dead letters-------|------------------------------+
 *             | probe rows, checkpoint closings    | verdicts,  |                              |
 *             v                                    | markers    v                              |
 *           CapabilityClusterer (by run) --probe models--> SampleInfluence                     |
 *             |                 (broadcast), plan copies -> (by run and sample bucket): rows   |
 *             |                                             meet verdicts; A(i, .),            |
 *             |                                             trajectories, scores               |
 *             |                                 candidates |              | summaries          |
 *             |                                            v              |                    |
 *             |                        CapabilitySelector (by run and     |                    |
 *             | plans                  capability): pick order            |                    |
 *             v                                            | choices      |                    |
 *           VersionAssembler (by run) <--------------------+--------------+                    |
 *             | water-filling, stages: curriculum + capabilities versions                       |
 *             v                                                                                 v
 *           KafkaSink (EXACTLY_ONCE) <-----------------------------------------------------------
 * </pre>
 */
public final class CadcCurationJob {

    /** Key groups of every keyed operator; a savepoint restores at any parallelism up to this. */
    public static final int MAX_PARALLELISM = 128;

    private CadcCurationJob() {}

    /** {@code flink run cadc-flink-jobs-*-job.jar --bootstrap HOST:PORT [--config FILE] [--name value ...]}. */
    public static void main(String[] args) throws Exception {
        JobConfig config = JobConfig.fromArgs(args);
        KafkaConnectors.createTopics(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration(config));
        build(env, KafkaConnectors.source(config), KafkaConnectors.sink(config), config);
        env.execute("CADC curation");
    }

    /**
     * The Flink settings the job relies on: checkpointing (the exactly-once sink commits at
     * checkpoints), no Kryo fallback, the chosen state backend, the parallelism.
     */
    public static Configuration configuration(JobConfig config) {
        Configuration configuration = new Configuration();
        configuration.set(PipelineOptions.GENERIC_TYPES, false);
        configuration.set(StateBackendOptions.STATE_BACKEND, config.stateBackend);
        configuration.set(org.apache.flink.configuration.CoreOptions.DEFAULT_PARALLELISM, config.parallelism);
        // Pinned (Flink's own default up to parallelism 85): keyed state is split into this many key
        // groups, so a savepoint restores at any parallelism up to it.
        configuration.set(PipelineOptions.MAX_PARALLELISM, MAX_PARALLELISM);
        configuration.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_INTERVAL,
                java.time.Duration.ofMillis(config.checkpointIntervalMs));
        if (config.catchesUp()) {
            configuration.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_INTERVAL_DURING_BACKLOG,
                    java.time.Duration.ofMillis(config.backlogCheckpointIntervalMs));
        }
        configuration.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                CheckpointingMode.EXACTLY_ONCE);
        return configuration;
    }

    /** Wires source, operators and sink; tests pass their own source and sink. */
    public static void build(StreamExecutionEnvironment env, Source<KafkaRecord, ?, ?> source, Sink<OutputRecord> sink,
            JobConfig config) {
        build(env, source, sink, config, StageTap.NONE);
    }

    /**
     * As above, with {@code tap} applied to the main output of every operator (by its uid) before it
     * flows on: fault tests use it to make one operator's task fail. Not API.
     */
    static void build(StreamExecutionEnvironment env, Source<KafkaRecord, ?, ?> source, Sink<OutputRecord> sink,
            JobConfig config, StageTap tap) {
        DataStream<KafkaRecord> records = tap.after("sketch-source",
                env.fromSource(catchingUp(source, config), SourceProgressWatermarks.strategy(sourceIdleMs(config)), "cadc.sketches")
                        .uid("sketch-source"));

        // Decoded where they were read (chained to the source, no shuffle), so a run's Arrow decoding and
        // per-value checks are spread over every subtask; the influence-source candidates go from there
        // straight to their buckets, and only a summary of each record to the judgement against the
        // run's state, which is keyed by run.
        SingleOutputStreamOperator<DecodedRecord> decoder = records
                .process(new RecordDecoder(), Types.POJO(DecodedRecord.class))
                .uid("record-decoder")
                .name("RecordDecoder");
        DataStream<DecodedRecord> decoded = tap.after("record-decoder", decoder);
        SingleOutputStreamOperator<RunEvent> validated = decoded
                .keyBy(record -> record.source.runId(), Types.STRING)
                .process(new SketchValidator(config.graceMs, config.runTtlMs), Types.POJO(RunEvent.class))
                .uid("sketch-validator")
                .name("SketchValidator");
        DataStream<BucketInput> sourceRows = validated.getSideOutput(SketchValidator.SOURCE_ROWS);
        DataStream<OutputRecord> deadLetters = validated.getSideOutput(SketchValidator.DEAD_LETTERS);

        SingleOutputStreamOperator<VersionPlan> clusterings = tap.after("sketch-validator", validated)
                .keyBy(event -> event.runId, Types.STRING)
                .process(new CapabilityClustererFunction(config), Types.POJO(VersionPlan.class))
                .uid("capability-clusterer")
                .name("CapabilityClusterer");
        BroadcastStream<ProbeModel> probeModels = clusterings.getSideOutput(CapabilityClustererFunction.PROBE_MODELS)
                .broadcast(SampleInfluence.MODELS);
        // The validator's verdicts and closing markers on one stream (one channel per pair of subtasks, in
        // order), the decoders' parcels and the clusterer's plan copies on others.
        DataStream<BucketInput> bucketInputs = sourceRows
                .union(decoder.getSideOutput(RecordDecoder.PARCELS), tap.after("plans-to-buckets", clusterings.getSideOutput(CapabilityClustererFunction.BUCKET_PLANS)
                        .map(BucketInput::of, Types.POJO(BucketInput.class))
                        .uid("plans-to-buckets")
                        .name("plans to buckets")));

        SingleOutputStreamOperator<CandidateBatch> candidates = bucketInputs
                .keyBy(BucketInput::key, Types.STRING)
                .connect(probeModels)
                .process(new SampleInfluence(config), Types.POJO(CandidateBatch.class))
                .uid("sample-influence")
                .name("SampleInfluence");

        DataStream<CapabilityChoice> picks = tap.after("capability-selector", tap.after("sample-influence", candidates)
                .keyBy(CandidateBatch::capabilityKey, Types.STRING)
                .process(new CapabilitySelector(config), Types.POJO(CapabilityChoice.class))
                .uid("capability-selector")
                .name("CapabilitySelector"));
        DataStream<VersionPart> choices = tap.after("choices-to-assembler", picks
                .map(VersionPart::of, Types.POJO(VersionPart.class))
                .uid("choices-to-assembler")
                .name("choices to assembler"));
        DataStream<VersionPart> summaries = tap.after("summaries-to-assembler", candidates.getSideOutput(SampleInfluence.SUMMARIES)
                .map(VersionPart::of, Types.POJO(VersionPart.class))
                .uid("summaries-to-assembler")
                .name("summaries to assembler"));

        DataStream<VersionPlan> plans = tap.after("capability-clusterer", clusterings);
        DataStream<OutputRecord> curricula = tap.after("version-assembler", plans
                .keyBy(plan -> plan.runId, Types.STRING)
                .connect(choices.union(summaries).keyBy(part -> part.runId, Types.STRING))
                .process(new VersionAssembler(config), Types.POJO(OutputRecord.class))
                .uid("version-assembler")
                .name("VersionAssembler"));

        curricula.union(deadLetters)
                .sinkTo(sink)
                .uid("cadc-kafka-sink")
                .name("cadc.curriculum, cadc.capabilities, cadc.dead-letter");
    }

    /**
     * The source, reporting to Flink while it catches up ({@link CatchUpSource}) when the job checkpoints
     * less often then; a record counts as caught up at most {@code source-idle-ms} old. Its records are
     * {@code KafkaRecord} POJOs, as the Kafka source's deserializer declares them.
     */
    private static <S extends SourceSplit, E> Source<KafkaRecord, ?, ?> catchingUp(Source<KafkaRecord, S, E> source, JobConfig config) {
        return config.catchesUp()
                ? new CatchUpSource<>(source, Types.POJO(KafkaRecord.class), config.sourceIdleMs, config.backlogCheckpointIntervalMs)
                : source;
    }

    /**
     * How long a source reader may find nothing before event time goes on without records: never in a
     * bounded job. A bounded job reads data that is already there; the end of its input closes every
     * checkpoint, so it needs no idleness, and idleness there can only mislead: a reader slow to get its
     * first record (startup, a starved fetcher) would let event time run ahead of rows it has not read,
     * and close their checkpoint short (seen in `bench pipeline` at the default size on a quiet machine).
     */
    static long sourceIdleMs(JobConfig config) {
        return config.bounded ? Long.MAX_VALUE : config.sourceIdleMs;
    }

    /**
     * A hook on the main output of each operator, named by the operator's uid; the job itself uses
     * {@link #NONE}. Not API: it exists so that fault tests can insert a failing step after any
     * operator without touching the operators.
     */
    interface StageTap {

        /** Passes every stream on unchanged. */
        StageTap NONE = new StageTap() {
            @Override
            public <T> DataStream<T> after(String uid, DataStream<T> output) {
                return output;
            }
        };

        /** The stream that flows on in place of {@code output}, the main output of operator {@code uid}. */
        <T> DataStream<T> after(String uid, DataStream<T> output);
    }
}
