package dev.cadc.core.format;

import static dev.cadc.core.format.SketchCodecTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ControlRecordCodecTest {

    @Test
    void runStartRoundTripIsExact() {
        RunStart runStart = FormatTestData.runStart();

        ControlRecord decoded = ControlRecordCodec.decode(runStart.recordType(), ControlRecordCodec.encode(runStart));

        assertThat(decoded).isEqualTo(runStart);
        assertThat(((RunStart) decoded).projection()).isEqualTo(FormatTestData.PROJECTION);
    }

    @Test
    void runStartWithLayersRoundTripsAndWritesThemAfterTheRequiredFields() {
        RunStart runStart = FormatTestData.runStartWithLayers();

        byte[] encoded = ControlRecordCodec.encode(runStart);
        RunStart decoded = ControlRecordCodec.decodeRunStart(encoded);

        assertThat(decoded).isEqualTo(runStart);
        assertThat(decoded.layers()).containsExactly(new RunStart.Layer("encoder.fc", 4, 6), new RunStart.Layer("head", 2, 4));
        assertThat(new String(encoded, StandardCharsets.UTF_8)).endsWith(
                "\"influence_source\":\"pool\",\"layers\":[{\"name\":\"encoder.fc\",\"shape\":[4,6]},"
                        + "{\"name\":\"head\",\"shape\":[2,4]}]}");
    }

    @Test
    void layersAreOptionalAndAnEmptyOrNamelessLayerListIsStillGiven() {
        String base = "{'run_id':'r','sketch_dim':8,'projection_seed':1,'projection_kind':'kronecker','influence_source':'pool'";

        assertThat(ControlRecordCodec.decodeRunStart(json(base + "}")).hasLayers()).isFalse();
        assertThat(ControlRecordCodec.decodeRunStart(json(base + ",'layers':null}")).hasLayers()).isFalse();
        assertThat(ControlRecordCodec.decodeRunStart(json(base + ",'layers':[]}")).layers()).isEmpty();
        // A model that is itself one nn.Linear has the empty name in PyTorch; unknown keys of a layer are ignored.
        assertThat(ControlRecordCodec.decodeRunStart(json(base + ",'layers':[{'name':'','shape':[3,2],'dtype':'f32'}]}")).layers())
                .containsExactly(new RunStart.Layer("", 3, 2));
        assertThat(ControlRecordCodec.encode(new RunStart("r", 8, 1, dev.cadc.core.sketch.ProjectionKind.KRONECKER,
                InfluenceSource.POOL))).isEqualTo(json(base.replace(" ", "") + "}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "'layers':{}",
        "'layers':'fc'",
        "'layers':[1]",
        "'layers':[{'shape':[2,3]}]",
        "'layers':[{'name':7,'shape':[2,3]}]",
        "'layers':[{'name':'fc'}]",
        "'layers':[{'name':'fc','shape':[2]}]",
        "'layers':[{'name':'fc','shape':[2,3,4]}]",
        "'layers':[{'name':'fc','shape':'2x3'}]",
        "'layers':[{'name':'fc','shape':[0,3]}]",
        "'layers':[{'name':'fc','shape':[2,-3]}]",
        "'layers':[{'name':'fc','shape':[2.0,3]}]",
        "'layers':[{'name':'fc','shape':['2',3]}]",
        "'layers':[{'name':'fc','shape':[2,2147483648]}]",
        "'layers':[{'name':'fc','shape':[2,3]},null]",
    })
    void malformedLayersAreRejected(String layers) {
        String body = "{'run_id':'r','sketch_dim':8,'projection_seed':1,'projection_kind':'kronecker',"
                + "'influence_source':'pool'," + layers + "}";
        assertReason(() -> ControlRecordCodec.decodeRunStart(json(body)), ReasonCode.BAD_CONTROL_RECORD);
    }

    @Test
    void checkpointCompleteRoundTripIsExact() {
        CheckpointComplete complete = FormatTestData.checkpointComplete();

        assertThat(ControlRecordCodec.decode(WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE,
                ControlRecordCodec.encode(complete))).isEqualTo(complete);
    }

    @Test
    void runEndRoundTripIsExact() {
        RunEnd end = new RunEnd("run-1", 3);

        assertThat(ControlRecordCodec.decode(WireFormat.RECORD_TYPE_RUN_END, ControlRecordCodec.encode(end))).isEqualTo(end);
        assertThat(ControlRecordCodec.decodeRunEnd(json("{'run_id':'r','last_checkpoint':-1}"))).isEqualTo(new RunEnd("r", -1));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'run_id':'r'}",
        "{'run_id':'r','last_checkpoint':-2}",
        "{'run_id':'r','last_checkpoint':'3'}",
        "{'run_id':'','last_checkpoint':3}",
        "{'last_checkpoint':3}",
    })
    void badRunEndIsRejected(String body) {
        assertReason(() -> ControlRecordCodec.decodeRunEnd(json(body)), ReasonCode.BAD_CONTROL_RECORD);
    }

    @Test
    void headersOfVersionOneAndTwoAreReadAndRunEndIsClassified() {
        assertThat(RecordKind.classify("2", WireFormat.CONTENT_TYPE_JSON, WireFormat.RECORD_TYPE_RUN_END)).isEqualTo(RecordKind.RUN_END);
        assertThat(RecordKind.classify("1", WireFormat.CONTENT_TYPE_ARROW, null)).isEqualTo(RecordKind.SKETCH_BATCH);
        assertReason(() -> RecordKind.classify("3", WireFormat.CONTENT_TYPE_ARROW, null), ReasonCode.UNSUPPORTED_VERSION);
        assertReason(() -> RecordKind.classify("02", WireFormat.CONTENT_TYPE_ARROW, null), ReasonCode.UNSUPPORTED_VERSION);
    }

    @Test
    void unknownFieldsAreIgnored() {
        assertThat(ControlRecordCodec.decodeCheckpointComplete(
                json("{'run_id':'r','checkpoint':2,'rows':5,'note':{'x':[1]}}")))
                .isEqualTo(new CheckpointComplete("r", 2, 5));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "not json",
        "{'run_id':'r','checkpoint':2,'rows':5",
        "[1,2]",
        "{'run_id':'r','checkpoint':2}",
        "{'run_id':'r','checkpoint':'2','rows':5}",
        "{'run_id':'r','checkpoint':2.0,'rows':5}",
        "{'run_id':'r','checkpoint':2,'rows':-1}",
        "{'run_id':'r','checkpoint':-1,'rows':1}",
        "{'run_id':'r','checkpoint':2147483648,'rows':1}",
        "{'run_id':'','checkpoint':2,'rows':1}",
        "{'run_id':null,'checkpoint':2,'rows':1}",
        "{'run_id':'r','checkpoint':2,'rows':1,'rows':2}",
        "{'run_id':'r','checkpoint':2,'rows':1} {}",
    })
    void badCheckpointCompleteIsRejected(String body) {
        assertReason(() -> ControlRecordCodec.decodeCheckpointComplete(json(body)), ReasonCode.BAD_CONTROL_RECORD);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'run_id':'r','sketch_dim':8,'projection_seed':1,'projection_kind':'dense'}",
        "{'run_id':'r','sketch_dim':8,'projection_seed':1,'projection_kind':'dense','influence_source':'probe'}",
        "{'run_id':'r','sketch_dim':8,'projection_seed':1,'projection_kind':'gaussian','influence_source':'pool'}",
        "{'run_id':'r','sketch_dim':0,'projection_seed':1,'projection_kind':'dense','influence_source':'pool'}",
        "{'run_id':'r','sketch_dim':'8','projection_seed':1,'projection_kind':'dense','influence_source':'pool'}",
        "{'run_id':'r','sketch_dim':8,'projection_seed':18446744073709551615,'projection_kind':'dense',"
                + "'influence_source':'pool'}",
        "{'run_id':7,'sketch_dim':8,'projection_seed':1,'projection_kind':'dense','influence_source':'pool'}",
    })
    void badRunStartIsRejected(String body) {
        assertReason(() -> ControlRecordCodec.decodeRunStart(json(body)), ReasonCode.BAD_CONTROL_RECORD);
    }

    @Test
    void extremeSeedsSurvive() {
        RunStart runStart = new RunStart("r", 1, Long.MIN_VALUE, dev.cadc.core.sketch.ProjectionKind.DENSE,
                InfluenceSource.TRAIN);

        assertThat(ControlRecordCodec.decodeRunStart(ControlRecordCodec.encode(runStart))).isEqualTo(runStart);
    }

    @Test
    void unknownRecordTypeAndOversizeAreRejected() {
        assertReason(() -> ControlRecordCodec.decode("run-stop", json("{}")), ReasonCode.UNKNOWN_RECORD_TYPE);
        assertReason(() -> ControlRecordCodec.decodeRunStart(new byte[ControlRecordCodec.MAX_BYTES + 1]),
                ReasonCode.OVERSIZED);
    }

    @Test
    void recordKindFollowsTheHeaders() {
        assertThat(RecordKind.classify("1", WireFormat.CONTENT_TYPE_ARROW, null)).isEqualTo(RecordKind.SKETCH_BATCH);
        assertThat(RecordKind.classify("1", "application/json; charset=utf-8", "run-start"))
                .isEqualTo(RecordKind.RUN_START);
        assertThat(RecordKind.classify("1", WireFormat.CONTENT_TYPE_JSON, "checkpoint-complete"))
                .isEqualTo(RecordKind.CHECKPOINT_COMPLETE);
        assertReason(() -> RecordKind.classify("9", WireFormat.CONTENT_TYPE_ARROW, null), ReasonCode.UNSUPPORTED_VERSION);
        assertReason(() -> RecordKind.classify(null, WireFormat.CONTENT_TYPE_ARROW, null), ReasonCode.UNSUPPORTED_VERSION);
        assertReason(() -> RecordKind.classify("1", null, null), ReasonCode.UNKNOWN_RECORD_TYPE);
        assertReason(() -> RecordKind.classify("1", WireFormat.CONTENT_TYPE_JSON, "run-stop"),
                ReasonCode.UNKNOWN_RECORD_TYPE);
    }

    @Test
    void deadLetterHeadersRoundTrip() {
        InvalidRecordException error = new InvalidRecordException(ReasonCode.NON_FINITE, "x".repeat(5000));

        DeadLetter letter = DeadLetter.of(error, WireFormat.TOPIC_SKETCHES, 3, 1L << 40);

        assertThat(DeadLetter.fromHeaders(letter.toHeaders())).isEqualTo(letter);
        assertThat(letter.detail()).hasSize(DeadLetter.MAX_DETAIL_CHARS);
        assertThat(new String(letter.toHeaders().get(DeadLetter.HEADER_SOURCE_OFFSET), StandardCharsets.UTF_8))
                .isEqualTo("1099511627776");
        assertThat(letter.toHeaders().keySet()).allMatch(name -> name.startsWith(DeadLetter.HEADER_PREFIX));
    }

    /** JSON written with single quotes for readability. */
    private static byte[] json(String singleQuoted) {
        return singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }
}
