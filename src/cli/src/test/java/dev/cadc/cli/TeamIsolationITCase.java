package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cadc.client.CurriculumClient;
import dev.cadc.client.SketchPublisher;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.testing.EmbeddedKafkaBroker;
import dev.cadc.testing.SaslSslSetup;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Two teams on one secured broker, kept apart by topic prefix and prefixed ACLs (docs/security.md):
 * team A, allowed on {@code team-a.} topics, groups and transactional ids only, runs the whole path
 * (publish, the job with {@code --topic-prefix team-a.}, the curriculum client) and gets the curriculum
 * {@code cadc curate} computes; the same user is refused on team B's topics.
 */
class TeamIsolationITCase {

    private static final String RUN = "team-run";
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    @Test
    void aTeamRunsUnderItsPrefixAndIsRefusedOnAnothersTopics(@TempDir Path dir) throws Exception {
        Path sketches = dir.resolve("team.arrows");
        assertThat(run("sketches", "synth", "--out", sketches.toString(), "--run", RUN, "--capabilities", "3", "--dim", "32",
                "--checkpoints", "2", "--helpful-per-capability", "30")).isZero();
        Path expected = dir.resolve("expected.arrow");
        assertThat(run("curate", "--sketches", sketches.toString(), "--out", dir.resolve("expected.json").toString(),
                "--out-arrow", expected.toString())).isZero();

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dir.resolve("broker"), true, EmbeddedKafkaBroker.Security.SASL_SSL)) {
            String bootstrap = broker.bootstrapServers();
            Path teamA = teamUser(broker, "team-a", dir);
            teamUser(broker, "team-b", dir);

            StringWriter output = new StringWriter();
            assertThat(run(output, "sketches", "publish", "--file", sketches.toString(), "--bootstrap", bootstrap,
                    "--kafka-config", teamA.toString(), "--topic-prefix", "team-a.")).as(output.toString()).isZero();
            assertThat(run(output, "job", "--bootstrap", bootstrap, "--kafka-config", teamA.toString(), "--topic-prefix", "team-a.",
                    "--bounded", "--web-port", "0", "--checkpoint-interval-ms", "500")).as(output.toString()).isZero();

            Map<String, Object> teamAConfig = KafkaConfigFile.clientConfig(bootstrap, teamA);
            try (CurriculumClient curricula = new CurriculumClient(teamAConfig, "team-a.")) {
                Curriculum newest = curricula.latest(RUN, READ_TIMEOUT).orElseThrow();
                assertThat(newest).isEqualTo(CurriculumCodec.decode(Files.readAllBytes(expected), RUN));
            }

            Map<String, Object> quick = new HashMap<>(teamAConfig);
            quick.put("default.api.timeout.ms", 5_000);
            quick.put("request.timeout.ms", 4_000);
            assertThatThrownBy(() -> {
                try (CurriculumClient others = new CurriculumClient(quick, "team-b.")) {
                    others.latest(RUN, Duration.ofSeconds(5));
                }
            }).hasStackTraceContaining("Not authorized to access topics: [team-b." + CadcTopics.CURRICULUM + "]");
            assertThatThrownBy(() -> new SketchPublisher(quick, SketchPublisher.DEFAULT_MAX_RECORD_BYTES, CadcTopics.SKETCHES, true,
                    "team-b.").close()).hasStackTraceContaining("Authorization failed");
        }
    }

    /** Creates a SCRAM user allowed on its own prefix only; returns its client settings file. */
    private static Path teamUser(EmbeddedKafkaBroker broker, String team, Path dir) throws Exception {
        String password = team + "-secret-" + System.nanoTime();
        try (Admin admin = Admin.create(broker.clientConfig())) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(team,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get();
            AccessControlEntry all = new AccessControlEntry("User:" + team, "*", AclOperation.ALL, AclPermissionType.ALLOW);
            admin.createAcls(List.of(
                    new AclBinding(new ResourcePattern(ResourceType.TOPIC, team + ".", PatternType.PREFIXED), all),
                    new AclBinding(new ResourcePattern(ResourceType.GROUP, team + ".", PatternType.PREFIXED), all),
                    new AclBinding(new ResourcePattern(ResourceType.TRANSACTIONAL_ID, team + ".", PatternType.PREFIXED), all)))
                    .all().get();
        }
        Path file = dir.resolve(team + ".properties");
        String properties = Files.readString(broker.clientProperties().orElseThrow()).replaceAll(
                "username=\"[^\"]+\" password=\"[^\"]+\"", "username=\"" + team + "\" password=\"" + password + "\"");
        Files.writeString(file, properties);
        return file;
    }

    private static int run(String... args) {
        return run(new StringWriter(), args);
    }

    private static int run(StringWriter output, String... args) {
        CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(output, true));
        commandLine.setErr(new PrintWriter(output, true));
        return commandLine.execute(args);
    }
}
