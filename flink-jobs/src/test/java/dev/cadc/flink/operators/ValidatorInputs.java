package dev.cadc.flink.operators;

import dev.cadc.flink.records.BucketInput;
import dev.cadc.flink.records.Contribution;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.RecordVerdict;
import dev.cadc.flink.records.RowParcel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

/**
 * Records for a {@link SketchValidator} harness split as {@link RecordDecoder} splits them, and the
 * validator's verdicts read as its buckets would read them: each met with its parcel. So a test can say
 * which rows the validator let through.
 */
final class ValidatorInputs {

    private final Map<String, RowParcel> parcels = new HashMap<>();

    /** What the validator gets of {@code record}; its parcels are kept for {@link #sourceRows} and {@link #deadLetters}. */
    DecodedRecord summary(KafkaRecord record) {
        RecordDecoder.Split split = RecordDecoder.split(record, Long.MIN_VALUE);
        for (RowParcel parcel : split.parcels()) {
            parcels.put(parcel.recordKey + "/" + parcel.bucket, parcel);
        }
        return split.summary();
    }

    /** The influence-source rows the validator let through, in the order of its verdicts. */
    List<Contribution> sourceRows(AbstractStreamOperatorTestHarness<?> harness) {
        List<Contribution> rows = new ArrayList<>();
        for (BucketInput input : OperatorTestData.sideOutput(harness, SketchValidator.SOURCE_ROWS)) {
            if (input.verdict != null && input.verdict.isAccepted()) {
                rows.addAll(parcelOf(input.verdict).rows(input.verdict.sourceRole));
            }
        }
        return rows;
    }

    private RowParcel parcelOf(RecordVerdict verdict) {
        RowParcel parcel = parcels.get(verdict.recordKey + "/" + verdict.bucket);
        if (parcel == null) {
            throw new AssertionError("a verdict for record " + verdict.recordKey + " in bucket " + verdict.bucket + " that got no parcel");
        }
        return parcel;
    }
}
