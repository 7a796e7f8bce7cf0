package io.guardreasoner.test;

import java.time.Duration;
import java.util.Objects;

/**
 * A misbehaviour {@link GuardReasonerStubServer} shows on demand, to test how clients cope with a failing server.
 *
 * @param kind    what goes wrong
 * @param status  the HTTP status, for {@link Kind#STATUS}
 * @param delay   how long to wait first, for {@link Kind#DELAY}
 * @param body    the reply body, for {@link Kind#GARBAGE} and {@link Kind#STATUS}
 * @param chars   how many characters of the answer are kept, for {@link Kind#CUT_OFF}
 */
public record StubFault(Kind kind, int status, Duration delay, String body, int chars) {

    /** The kinds of misbehaviour. */
    public enum Kind {
        /** Reply with an HTTP error status and a LocalAI-style error body. */
        STATUS,
        /** Wait, then answer normally. */
        DELAY,
        /** Reply 200 with a body that is not the API's JSON. */
        GARBAGE,
        /** Reply 200 with an empty {@code choices} array. */
        EMPTY_CHOICES,
        /** Answer with the text cut after some characters and {@code finish_reason: "length"}. */
        CUT_OFF,
        /** Close the connection without any reply. */
        DISCONNECT,
        /** Send the headers and half of the body, then close the connection. */
        DROP_MID_BODY,
        /** Answer normally, but send the body in 20 chunks with a pause after each. */
        SLOW_DRIP
    }

    public StubFault {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(body, "body");
    }

    /** Reply with this HTTP status and LocalAI's error body. */
    public static StubFault status(int status) {
        return status(status, "stub server fault: HTTP " + status);
    }

    /** Reply with this HTTP status and an error body carrying {@code message}. */
    public static StubFault status(int status, String message) {
        if (status < 400 || status > 599) throw new IllegalArgumentException("status must be 4xx or 5xx, was " + status);
        return new StubFault(Kind.STATUS, status, Duration.ZERO, message, 0);
    }

    /** Wait this long, then answer normally. */
    public static StubFault delay(Duration delay) {
        if (delay.isNegative()) throw new IllegalArgumentException("delay must not be negative, was " + delay);
        return new StubFault(Kind.DELAY, 200, delay, "", 0);
    }

    /** Reply 200 with a body that is not JSON. */
    public static StubFault garbage() {
        return garbage("<html><body>502 Bad Gateway? no: garbage from the stub</body></html>");
    }

    /** Reply 200 with this body, declared as JSON. */
    public static StubFault garbage(String body) {
        return new StubFault(Kind.GARBAGE, 200, Duration.ZERO, body, 0);
    }

    /** Reply 200 with {@code "choices": []}. */
    public static StubFault emptyChoices() {
        return new StubFault(Kind.EMPTY_CHOICES, 200, Duration.ZERO, "", 0);
    }

    /** Answer with only the first {@code chars} characters of the text, as if the token limit had hit. */
    public static StubFault cutOff(int chars) {
        if (chars < 0) throw new IllegalArgumentException("chars must not be negative, was " + chars);
        return new StubFault(Kind.CUT_OFF, 200, Duration.ZERO, "", chars);
    }

    /** Close the connection without replying. */
    public static StubFault disconnect() {
        return new StubFault(Kind.DISCONNECT, 0, Duration.ZERO, "", 0);
    }

    /** Send the status line, headers and half of the body, then close the connection. */
    public static StubFault dropMidBody() {
        return new StubFault(Kind.DROP_MID_BODY, 200, Duration.ZERO, "", 0);
    }

    /** Answer normally, but send the body in 20 small chunks, pausing this long after each one. */
    public static StubFault slowDrip(Duration pausePerChunk) {
        if (pausePerChunk.isNegative()) throw new IllegalArgumentException("pause must not be negative, was " + pausePerChunk);
        return new StubFault(Kind.SLOW_DRIP, 200, pausePerChunk, "", 0);
    }
}
