package dev.cadc.core.format;

import static dev.cadc.core.format.FormatTestData.RUN_ID;
import static dev.cadc.core.format.SketchCodecTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The curriculum and capabilities codecs: exact round trips and their own bad inputs. */
class ResultCodecsTest {

    @AfterEach
    void noArrowMemoryLeft() {
        assertThat(ArrowIo.allocatedBytes()).as("Arrow bytes still allocated").isZero();
    }

    @Test
    void curriculumRoundTripIsExact() {
        Curriculum curriculum = FormatTestData.curriculum();

        assertThat(CurriculumCodec.decode(CurriculumCodec.encode(curriculum), RUN_ID)).isEqualTo(curriculum);
    }

    @Test
    void emptyCurriculumRoundTrips() {
        Curriculum empty = new Curriculum(RUN_ID, 0, 0, 10, 0, 0, 10, List.of());

        assertThat(CurriculumCodec.decode(CurriculumCodec.encode(empty), RUN_ID)).isEqualTo(empty);
    }

    @Test
    void curriculumTakesItsRunIdFromTheKey() {
        assertThat(CurriculumCodec.decode(CurriculumCodec.encode(FormatTestData.curriculum()), "other").runId())
                .isEqualTo("other");
    }

    @Test
    void curriculumOutOfOrderOrRepeatingASampleIsInvalid() {
        assertReason(() -> new Curriculum(RUN_ID, 0, 0, 2, 2, 0, 0, List.of(
                new CurriculumEntry(1, 1, 0, 0, 1.0), new CurriculumEntry(2, 0, 0, 0, 1.0))), ReasonCode.INVALID_VALUE);
        assertReason(() -> new Curriculum(RUN_ID, 0, 0, 2, 2, 0, 0, List.of(
                new CurriculumEntry(1, 0, 0, 0, 1.0), new CurriculumEntry(1, 0, 1, 0, 1.0))), ReasonCode.INVALID_VALUE);
    }

    @Test
    void nonFiniteInfluenceIsRejected() {
        assertReason(() -> new CurriculumEntry(1, 0, 0, 0, Double.NaN), ReasonCode.NON_FINITE);
    }

    @Test
    void curriculumBytesAreCheckedLikeSketches() {
        byte[] valid = CurriculumCodec.encode(FormatTestData.curriculum());

        assertReason(() -> CurriculumCodec.decode(Arrays.copyOf(valid, valid.length / 2), RUN_ID),
                ReasonCode.MALFORMED_IPC);
        assertReason(() -> CurriculumCodec.decode(valid, RUN_ID, valid.length - 1), ReasonCode.OVERSIZED);
        assertReason(() -> CurriculumCodec.decode(SketchCodec.encode(FormatTestData.sketchBatch()), RUN_ID),
                ReasonCode.MISSING_COLUMN);
    }

    @Test
    void capabilitiesRoundTripIsExact() {
        CapabilitySet capabilities = FormatTestData.capabilitySet();

        CapabilitySet decoded = CapabilitiesCodec.decode(CapabilitiesCodec.encode(capabilities), RUN_ID);

        assertThat(decoded).isEqualTo(capabilities);
        assertThat(decoded.capabilities().get(2).probes()).containsExactly(-1, Long.MAX_VALUE);
    }

    @Test
    void capabilitySummaryComparesProbeContentsAndIsImmutable() {
        long[] probes = {1, 2};
        CapabilitySummary summary = new CapabilitySummary(0, probes, 1.0, 3);
        probes[0] = 9;
        summary.probes()[1] = 9;

        assertThat(summary).isEqualTo(new CapabilitySummary(0, new long[] {1, 2}, 1.0, 3))
                .hasSameHashCodeAs(new CapabilitySummary(0, new long[] {1, 2}, 1.0, 3))
                .isNotEqualTo(new CapabilitySummary(0, new long[] {1, 3}, 1.0, 3));
        assertThat(summary.toString()).contains("[1, 2]");
    }

    @Test
    void capabilityIdsMustAscend() {
        assertReason(() -> new CapabilitySet(RUN_ID, 0, 0, List.of(
                new CapabilitySummary(2, new long[0], 0, 0), new CapabilitySummary(1, new long[0], 0, 0))),
                ReasonCode.INVALID_VALUE);
    }

    @Test
    void capabilitiesBytesAreCheckedLikeSketches() {
        byte[] valid = CapabilitiesCodec.encode(FormatTestData.capabilitySet());

        assertReason(() -> CapabilitiesCodec.decode(Arrays.copyOf(valid, valid.length - 20), RUN_ID),
                ReasonCode.MALFORMED_IPC);
        assertReason(() -> CapabilitiesCodec.decode(CurriculumCodec.encode(FormatTestData.curriculum()), RUN_ID),
                ReasonCode.MISSING_COLUMN);
    }
}
