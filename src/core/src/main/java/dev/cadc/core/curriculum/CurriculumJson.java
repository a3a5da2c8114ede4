package dev.cadc.core.curriculum;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cadc.core.format.CapabilitySet;
import dev.cadc.core.format.CapabilitySummary;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The one JSON shape of a curriculum, written by {@code cadc curate --out} and {@code cadc inspect
 * --json}: run id, version, checkpoint, budget, pool size, shortfall, harmful count, the capabilities
 * (id, probes, difficulty, attributed), the stages (stage, samples with id, capability and influence,
 * in curriculum order) and the harmful sample ids when known ({@code null} when only their count is,
 * as on the {@code cadc.curriculum} topic). Field order is fixed, so equal curricula give equal bytes.
 */
public final class CurriculumJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CurriculumJson() {}

    /** The JSON of a batch curation, harmful ids included. */
    public static ObjectNode of(CurationResult result) {
        return of(toCurriculum(result), toCapabilities(result), result.harmful());
    }

    /**
     * The JSON of a published curriculum and the capabilities of the same version.
     *
     * @param harmful the harmful sample ids, or null when only their count is known
     */
    public static ObjectNode of(Curriculum curriculum, CapabilitySet capabilities, long[] harmful) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("run_id", curriculum.runId());
        root.put("version", curriculum.version());
        root.put("checkpoint", curriculum.checkpoint());
        root.put("budget", curriculum.budget());
        root.put("pool_size", curriculum.poolSize());
        root.put("shortfall", curriculum.shortfall());
        root.put("harmful_count", curriculum.harmfulCount());
        ObjectNode parameters = root.putObject("parameters");
        curriculum.parameters().forEach(parameters::put);
        root.set("capabilities", capabilitiesJson(capabilities));
        ArrayNode stages = root.putArray("stages");
        TreeMap<Integer, List<CurriculumEntry>> byStage = new TreeMap<>();
        for (CurriculumEntry entry : curriculum.entries()) {
            byStage.computeIfAbsent(entry.stage(), s -> new ArrayList<>()).add(entry);
        }
        byStage.forEach((stage, entries) -> {
            ObjectNode stageNode = stages.addObject();
            stageNode.put("stage", stage);
            ArrayNode samples = stageNode.putArray("samples");
            for (CurriculumEntry entry : entries) {
                ObjectNode sample = samples.addObject();
                sample.put("id", entry.sampleId());
                sample.put("capability", entry.capability());
                sample.put("influence", entry.influence());
            }
        });
        if (harmful == null) {
            root.putNull("harmful");
        } else {
            ArrayNode harmfulIds = root.putArray("harmful");
            for (long id : harmful) {
                harmfulIds.add(id);
            }
        }
        return root;
    }

    /** The capabilities alone, as in the {@code capabilities} field. */
    public static ArrayNode capabilitiesJson(CapabilitySet capabilities) {
        ArrayNode array = MAPPER.createArrayNode();
        if (capabilities == null) {
            return array;
        }
        for (CapabilitySummary summary : capabilities.capabilities()) {
            ObjectNode node = array.addObject();
            node.put("id", summary.id());
            ArrayNode probes = node.putArray("probes");
            for (long probe : summary.probes()) {
                probes.add(probe);
            }
            node.put("difficulty", summary.difficulty());
            node.put("attributed", summary.attributed());
        }
        return array;
    }

    /** Pretty-printed JSON text with a trailing newline. */
    public static String write(ObjectNode node) {
        try {
            return MAPPER.writeValueAsString(node) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write curriculum JSON", e);
        }
    }

    /** The {@code cadc.curriculum} record of a curation; version = the newest checkpoint folded in. */
    public static Curriculum toCurriculum(CurationResult result) {
        List<CurriculumEntry> entries = new ArrayList<>();
        for (CurationResult.StageOutcome stage : result.stages()) {
            int position = 0;
            for (CurationResult.SelectedSample sample : stage.samples()) {
                entries.add(new CurriculumEntry(sample.id(), stage.stage(), position++, sample.capability(), sample.influence()));
            }
        }
        return new Curriculum(result.runId(), result.checkpoint(), result.checkpoint(), result.budget(), result.poolSize(),
                result.harmful().length, result.shortfall(), entries, result.parameters());
    }

    /** The {@code cadc.capabilities} record of a curation. */
    public static CapabilitySet toCapabilities(CurationResult result) {
        List<CapabilitySummary> summaries = result.capabilities().stream()
                .map(c -> new CapabilitySummary(c.id(), c.probes(), c.difficulty(), c.attributed()))
                .toList();
        return new CapabilitySet(result.runId(), result.checkpoint(), result.checkpoint(), summaries);
    }
}
