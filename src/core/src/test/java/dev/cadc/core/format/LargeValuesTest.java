package dev.cadc.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Values of many megabytes encode, decode and stream: encoders are not bounded like decoders. */
class LargeValuesTest {

    private static final ProjectionSpec PROJECTION = new ProjectionSpec(1024, 7L, ProjectionKind.KRONECKER);

    private static SketchBatch batch(int rows) {
        SplittableRandom random = new SplittableRandom(rows);
        SketchBatch.Builder builder = SketchBatch.builder("large", PROJECTION);
        float[] sketch = new float[PROJECTION.sketchDim()];
        for (int row = 0; row < rows; row++) {
            for (int d = 0; d < sketch.length; d++) {
                sketch[d] = (float) random.nextGaussian();
            }
            builder.add(row, 0, Role.POOL, row, 0.01f, 1f, sketch);
        }
        return builder.build();
    }

    @Test
    void aTwelveMegabyteBatchRoundTrips() {
        SketchBatch batch = batch(3_000);
        byte[] value = SketchCodec.encode(batch);
        assertThat(value.length).isGreaterThan(12_000_000);
        assertThat(SketchCodec.decode(value)).isEqualTo(batch);
        assertThat(ArrowIo.allocatedBytes()).isZero();
    }

    @Test
    void aStreamOfManyLargeBatchesRoundTrips() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SketchBatch batch = batch(2_000);
        try (SketchStreamWriter writer = new SketchStreamWriter(bytes, PROJECTION)) {
            for (int i = 0; i < 5; i++) {
                writer.write(batch);
            }
        }
        int read = 0;
        try (SketchStreamReader reader = new SketchStreamReader(new ByteArrayInputStream(bytes.toByteArray()))) {
            while (reader.hasNext()) {
                assertThat(reader.next()).isEqualTo(batch);
                read++;
            }
        }
        assertThat(read).isEqualTo(5);
        assertThat(ArrowIo.allocatedBytes()).isZero();
    }
}
