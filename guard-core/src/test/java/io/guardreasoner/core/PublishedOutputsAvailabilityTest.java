package io.guardreasoner.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** When the published outputs are missing: a user's clone skips the tests that need them, CI fails them. */
class PublishedOutputsAvailabilityTest {

    @TempDir
    Path temp;

    @Test
    void absentOutputsSkipWithAMessageOnAUsersClone() {
        String missing = temp.resolve("nowhere").toString();

        assertThatThrownBy(() -> PublishedOutputs.load(missing, null)).isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("not found").hasMessageContaining("skipping");
        assertThatThrownBy(() -> PublishedOutputs.load(null, "false")).isInstanceOf(TestAbortedException.class);
    }

    @Test
    void absentOutputsFailUnderCi() {
        String missing = temp.resolve("nowhere").toString();

        assertThatThrownBy(() -> PublishedOutputs.load(missing, "true")).isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("CI=true");
        assertThatThrownBy(() -> PublishedOutputs.load(null, "TRUE")).isInstanceOf(AssertionFailedError.class);
    }

    @Test
    void aFolderWithoutOutputFilesCountsAsAbsent() throws IOException {
        Files.createDirectories(temp.resolve("guardreasoner-outputs/3B/HarmBenchPrompt"));

        assertThatThrownBy(() -> PublishedOutputs.load(temp.toString(), null)).isInstanceOf(TestAbortedException.class);
        assertThatThrownBy(() -> PublishedOutputs.load(temp.toString(), "true"))
                .isInstanceOf(AssertionFailedError.class).hasMessageContaining("no generated_predictions.jsonl");
    }

    @Test
    void presentOutputsAreReadWhateverCiSays() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("guardreasoner-outputs/3B/HarmBenchPrompt"));
        Files.writeString(folder.resolve("generated_predictions.jsonl"),
                "{\"prompt\": \"p\\n\\nAI assistant:\\nNone\\n\\n\", \"label\": \"harmful\", \"predict\": \"x\"}\n");

        assertThat(PublishedOutputs.load(temp.toString(), "true")).singleElement()
                .satisfies(item -> assertThat(item.requestOnly()).isTrue());
    }
}
