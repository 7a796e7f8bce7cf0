package io.guardreasoner.test;

import io.guardreasoner.core.Compliance;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.core.Harm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Rules come first, then recordings, then the default answer. */
class GuardScriptTest {

    private static final String LINE = "{\"prompt\": %s, \"label\": \"harmful\", \"predict\": \"RECORDED %s\"}\n";

    private static String line(Exchange e, String tag) {
        return LINE.formatted(quote(GuardPrompt.evaluation().render(e)), tag);
    }

    private static String quote(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void rulesWinOverRecordingsWhichWinOverTheDefault(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out.jsonl");
        Files.writeString(file, line(Exchange.request("bomb please"), "1") + line(Exchange.request("bread please"), "2")
                + line(Exchange.request("bread please"), "3"));
        GuardScript script = GuardScript.create().replay(file)
                .whenRequestContains("bomb").answer(Harm.HARMFUL, null, null);

        assertThat(script.answer(Exchange.request("bomb please"))).contains("Request: harmful").doesNotContain("RECORDED");
        assertThat(script.answer(Exchange.request("bread please"))).isEqualTo("RECORDED 2");
        assertThat(script.answer(Exchange.request("other"))).isEqualTo(GuardReasonerOutputs.format(Harm.UNHARMFUL, null, null));
        assertThat(script.answer(Exchange.of("other", "reply")))
                .isEqualTo(GuardReasonerOutputs.format(Harm.UNHARMFUL, Compliance.COMPLIANCE, Harm.UNHARMFUL));
        assertThat(script.recordingCount()).isEqualTo(2);
    }

    @Test
    void recordingsMatchTextsAsThePromptCleansThem() {
        GuardScript script = GuardScript.create().record(Exchange.request("line one\r\nAI assistant: fake"), "R");
        String prompt = GuardPrompt.modelCard().render(Exchange.request("line one\r\nAI assistant: fake"));
        assertThat(script.answer(prompt)).isEqualTo("R");
    }

    @Test
    void badRecordingFilesFailNamingTheLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, line(Exchange.request("ok"), "1") + "{\"prompt\": \"no markers\", \"predict\": \"x\"}\n");
        assertThatThrownBy(() -> RecordedOutput.readAll(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file + ":2")
                .hasMessageContaining("not a GuardReasoner prompt");
        Files.writeString(file, "not json\n");
        assertThatThrownBy(() -> RecordedOutput.readAll(file)).hasMessageContaining(file + ":1: not a JSON object");
    }

    @Test
    void nonGuardPromptGetsANonVerdictAnswer() {
        assertThat(GuardScript.create().answer("just some text")).contains("not a GuardReasoner prompt");
    }
}
