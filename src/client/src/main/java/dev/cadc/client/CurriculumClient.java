package dev.cadc.client;

import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.topic.CadcTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's view of {@code cadc.curriculum}: the newest committed curriculum of a run. Reads with
 * {@code read_committed}, so a version the exactly-once job has not committed is never returned, and
 * keeps the highest version seen per run (versions of a run only increase).
 */
public final class CurriculumClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CurriculumClient.class);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);

    private final TopicReader reader;
    private final Map<String, Curriculum> newestByRun = new HashMap<>();

    /** @param clientConfig Kafka consumer properties: {@code bootstrap.servers} and any pass-through */
    public CurriculumClient(Map<String, Object> clientConfig) {
        this.reader = new TopicReader(clientConfig, CadcTopics.CURRICULUM);
    }

    /**
     * The newest curriculum of {@code runId} committed so far, reading the topic up to its current end.
     *
     * @throws TimeoutException when the end of the topic cannot be reached within {@code timeout}
     */
    public Optional<Curriculum> latest(String runId, Duration timeout) throws TimeoutException {
        if (!reader.readToEnd(timeout, this::accept)) {
            throw new TimeoutException("could not read " + CadcTopics.CURRICULUM + " to its end within "
                    + timeout.toMillis() + " ms");
        }
        return Optional.ofNullable(newestByRun.get(runId));
    }

    /**
     * Waits for a curriculum of {@code runId} with a version above {@code version} (use -1 for any).
     *
     * @throws TimeoutException naming the run and version when none arrives before {@code deadline}
     */
    public Curriculum awaitNewerThan(String runId, long version, Duration deadline) throws TimeoutException {
        Instant end = Instant.now().plus(deadline);
        while (true) {
            Curriculum newest = newestByRun.get(runId);
            if (newest != null && newest.version() > version) {
                return newest;
            }
            Duration left = Duration.between(Instant.now(), end);
            if (left.isNegative() || left.isZero()) {
                if (!reader.connected()) {
                    throw new TimeoutException(reader.unreachableMessage(deadline));
                }
                throw new TimeoutException("no curriculum version above " + version + " for run " + runId
                        + " on " + CadcTopics.CURRICULUM + " within " + deadline.toMillis()
                        + " ms; is the CADC job running and reading cadc.sketches?");
            }
            reader.poll(left.compareTo(POLL_INTERVAL) < 0 ? left : POLL_INTERVAL, this::accept);
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        String runId = new String(record.key(), StandardCharsets.UTF_8);
        try {
            Curriculum curriculum = CurriculumCodec.decode(record.value(), runId);
            newestByRun.merge(runId, curriculum, (a, b) -> b.version() > a.version() ? b : a);
        } catch (InvalidRecordException e) {
            LOG.warn("skipping an unreadable curriculum record of run {} at {}-{}@{}: {}",
                    runId, record.topic(), record.partition(), record.offset(), e.getMessage());
        }
    }

    @Override
    public void close() {
        reader.close();
    }
}
