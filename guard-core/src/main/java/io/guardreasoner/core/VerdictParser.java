package io.guardreasoner.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns GuardReasoner's generated text into a {@link Verdict}.
 *
 * <p>A pure function: no state, no I/O, and no exception for any input. Each label comes from the first source
 * that has it:
 * <ol>
 *   <li>the final answer block, i.e. the fields under the LAST {@code Answers:} header (so a fake block earlier in
 *       the text never wins);</li>
 *   <li>the last valid {@code Field: label} of that field anywhere in the text (outputs with per-task answer
 *       blocks, or a final block of {@code None}s);</li>
 *   <li>for the request, what Task 1's reasoning states ({@code Task1Reader}): its conclusion, or else its last
 *       sentence that names a label, read with the negations, hedges and clauses around it. This is all that text cut
 *       at {@code # Task 2} (the input rail's early stop) has; anything unclear gives no label, and the guard then
 *       lets the model finish all three tasks;</li>
 *   <li>for the completion and the response, what Task 2's and Task 3's reasoning state ({@code Task2Reader},
 *       {@code Task3Reader}), read by the same rules as Task 1. This is all that text cut before the answer block (the
 *       output rail's early stop) has.</li>
 * </ol>
 */
public final class VerdictParser {

    private static final VerdictParser STANDARD = new VerdictParser();

    private static final Pattern ANSWERS_HEADER =
            Pattern.compile("^[\\s#*>_]*(?:final\\s+)?answers?\\s*[:：]?[\\s*_]*(.*)$", Pattern.CASE_INSENSITIVE);
    private static final Pattern FIELD_LINE =
            Pattern.compile("^[\\s#*>_\\-]*(request|completion|response)[\\s*_]*[:：][\\s*_]*(.*)$",
                    Pattern.CASE_INSENSITIVE);
    /** A further field on the same line, after a separator: ", Completion: None", "; **Response:** None". */
    private static final Pattern INLINE_FIELD =
            Pattern.compile("[,;|][\\s*_]*(request|completion|response)[\\s*_]*[:：][\\s*_]*", Pattern.CASE_INSENSITIVE);
    private static final Pattern LEADING_LABEL =
            Pattern.compile("^[\\s*_\"'`\\[(]*(unharmful|harmful|refusal|compliance|none)\\b",
                    Pattern.CASE_INSENSITIVE);
    private static final Pattern FIELD_ANYWHERE =
            Pattern.compile("\\b(request|completion|response)[ \\t*_]*[:：]\\s*[*_\"'`]*"
                    + "(unharmful|harmful|refusal|compliance)\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern TASK_HEADER =
            Pattern.compile("^\\s*#{1,2}\\s*task\\s*([123])\\b(?!\\s*conclusion).*$", Pattern.CASE_INSENSITIVE);
    private static final Pattern BARE_TASK_HEADER = Pattern.compile("^\\s*#{1,2}\\s*task\\s*[123]\\s*$", Pattern.CASE_INSENSITIVE);
    private static final Pattern SECTION_END = Pattern.compile("^\\s*(---|[#*]*\\s*answers?\\s*[:：]?\\s*[*]*\\s*$|[#*]*\\s*answers?\\s*[:：])",
            Pattern.CASE_INSENSITIVE);
    /** Task 1 without a header runs to a few thousand characters; a loop beyond this is not read. */
    private static final int MAX_PREAMBLE = 20_000;

    /** The parser with the standard rules. */
    public static VerdictParser standard() {
        return STANDARD;
    }

    /** Parses one generated text. Null or empty text gives an empty, incomplete verdict. */
    public Verdict parse(String raw) {
        return parse(raw, true);
    }

    /**
     * Parses a text that stopped before the model's final answer block (the guard's early stop): each label comes
     * from its task's own reasoning only (its conclusion, or its last plain statement), never from answer-like lines,
     * which before the real block can only be the model quoting the texts it judges. Such a verdict is never
     * {@code complete}.
     */
    public Verdict parseReasoning(String raw) {
        return parse(raw, false);
    }

    private Verdict parse(String raw, boolean answerLines) {
        if (raw == null || raw.isBlank()) {
            return Verdict.empty(raw == null ? "" : raw);
        }
        String text = raw.indexOf('\r') >= 0 ? raw.replace("\r\n", "\n").replace('\r', '\n') : raw;
        String[] lines = text.split("\n", -1);

        FinalBlock block = answerLines ? readFinalBlock(lines) : new FinalBlock();
        Sections sections = readSections(lines);

        Optional<Harm> request = block.request.flatMap(Harm::fromLabel)
                .or(() -> answerLines ? lastFieldLabel(text, Field.REQUEST).flatMap(Harm::fromLabel) : Optional.empty())
                .or(() -> Task1Reader.read(sections.preamble + "\n\n" + sections.body[0]));
        Optional<Compliance> completion = block.completion.flatMap(Compliance::fromLabel)
                .or(() -> answerLines ? lastFieldLabel(text, Field.COMPLETION).flatMap(Compliance::fromLabel) : Optional.empty())
                .or(() -> Task2Reader.read(sections.last[1]));
        Optional<Harm> response = block.response.flatMap(Harm::fromLabel)
                .or(() -> answerLines ? lastFieldLabel(text, Field.RESPONSE).flatMap(Harm::fromLabel) : Optional.empty())
                .or(() -> Task3Reader.read(sections.last[2]));

        boolean complete = block.found && isLabelOrNone(block.request) && isLabelOrNone(block.completion)
                && isLabelOrNone(block.response);
        boolean consistent = agrees(Task1Reader.conclusion(sections.body[0]), request)
                && agrees(Task2Reader.conclusion(sections.last[1]), completion)
                && agrees(Task3Reader.conclusion(sections.last[2]), response);

        Verdict.Reasoning reasoning = new Verdict.Reasoning(sections.body[0], sections.body[1], sections.body[2]);
        return new Verdict(request, completion, response, complete, consistent, reasoning, raw);
    }

    private enum Field { REQUEST, COMPLETION, RESPONSE }

    /** The fields under the last answers header; each is the label word as written, or empty. */
    private static final class FinalBlock {
        boolean found;
        Optional<String> request = Optional.empty();
        Optional<String> completion = Optional.empty();
        Optional<String> response = Optional.empty();

        void put(String field, String label) {
            switch (field.toLowerCase(Locale.ROOT)) {
                case "request" -> request = request.or(() -> Optional.of(label));
                case "completion" -> completion = completion.or(() -> Optional.of(label));
                default -> response = response.or(() -> Optional.of(label));
            }
        }
    }

    private static FinalBlock readFinalBlock(String[] lines) {
        FinalBlock block = new FinalBlock();
        int header = -1;
        String headerRest = "";
        for (int i = lines.length - 1; i >= 0; i--) {
            Matcher m = ANSWERS_HEADER.matcher(lines[i]);
            if (lines[i].length() < 200 && m.matches()
                    && (m.group(1).isBlank() || FIELD_LINE.matcher(m.group(1)).matches())) {
                header = i;
                headerRest = m.group(1);
                break;
            }
        }
        if (header < 0) {
            return block;
        }
        block.found = true;
        List<String> blockLines = new ArrayList<>();
        if (!headerRest.isBlank()) blockLines.add(headerRest);
        for (int i = header + 1; i < lines.length; i++) blockLines.add(lines[i]);

        for (int i = 0; i < blockLines.size(); i++) {
            String line = blockLines.get(i);
            if (line.isBlank()) continue;
            Matcher field = FIELD_LINE.matcher(line);
            if (!field.matches()) break; // the block ends at the first line that is not a field
            String value = field.group(2);
            if (value.isBlank()) {
                // A label on the next non-blank line: "Request:\nharmful".
                int next = i + 1;
                while (next < blockLines.size() && blockLines.get(next).isBlank()) next++;
                if (next < blockLines.size() && !FIELD_LINE.matcher(blockLines.get(next)).matches()) {
                    Matcher label = LEADING_LABEL.matcher(blockLines.get(next));
                    if (label.find()) {
                        block.put(field.group(1), label.group(1));
                        i = next;
                    }
                }
                continue;
            }
            putFields(block, field.group(1), value);
        }
        return block;
    }

    /**
     * Puts one field line's value, and the further fields that follow on the same line: "Request: harmful,
     * Completion: None, Response: None" (comma, semicolon or bar between them, markdown bold allowed).
     */
    private static void putFields(FinalBlock block, String field, String rest) {
        Matcher next = INLINE_FIELD.matcher(rest);
        String name = field;
        int start = 0;
        while (next.find()) {
            putField(block, name, rest.substring(start, next.start()));
            name = next.group(1);
            start = next.end();
        }
        putField(block, name, rest.substring(start));
    }

    private static void putField(FinalBlock block, String field, String value) {
        Matcher label = LEADING_LABEL.matcher(value);
        block.put(field, label.find() ? label.group(1) : value.trim());
    }

    private static Optional<String> lastFieldLabel(String text, Field wanted) {
        Matcher m = FIELD_ANYWHERE.matcher(text);
        String last = null;
        while (m.find()) {
            if (!m.group(1).equalsIgnoreCase(wanted.name())) continue;
            String label = m.group(2).toLowerCase(Locale.ROOT);
            boolean harmLabel = label.endsWith("harmful");
            if ((wanted == Field.COMPLETION) != harmLabel) last = label;
        }
        return Optional.ofNullable(last);
    }

    /**
     * Per-task reasoning bodies (the first section of each task), indexed 0..2 for tasks 1..3; the last section of each
     * task with its header line ("# Task 3: unharmful" gives the label there), which Tasks 2 and 3 are read from: the
     * model's own Task 3 is the one that runs into the answer block, after any it quoted; and the text before the
     * first task header (answer lines left out).
     */
    private record Sections(String[] body, String[] last, String preamble) { }

    private static Sections readSections(String[] lines) {
        String[] body = {"", "", ""};
        String[] last = {"", "", ""};
        String headerLine = "";
        int task = -1;
        StringBuilder current = new StringBuilder();
        // Text before the first task header: some outputs write Task 1's reasoning without "# Task 1".
        StringBuilder preamble = new StringBuilder();
        boolean headerSeen = false;
        for (int i = 0; i <= lines.length; i++) {
            String line = i < lines.length ? lines[i] : null;
            Matcher header = line == null ? null : TASK_HEADER.matcher(line);
            boolean ends = line == null || header.matches() || (task >= 0 && SECTION_END.matcher(line).find());
            if (ends && task >= 0) {
                String section = current.toString().strip();
                if (body[task].isEmpty()) body[task] = section;
                // A bare header with nothing under it does not hide an earlier section of the same task.
                if (!section.isEmpty() || !BARE_TASK_HEADER.matcher(headerLine).matches() || last[task].isEmpty()) {
                    last[task] = headerLine + "\n" + section;
                }
                task = -1;
            }
            if (line == null) break;
            if (header != null && header.matches()) {
                headerSeen = true;
                task = Integer.parseInt(header.group(1)) - 1;
                headerLine = line;
                current.setLength(0);
                continue;
            }
            if (!headerSeen && preamble.length() < MAX_PREAMBLE && !isAnswerLine(line)) preamble.append(line).append('\n');
            if (task < 0) continue;
            current.append(line).append('\n');
        }
        return new Sections(body, last, preamble.toString());
    }

    /** An answers header or a field line: labels there are read as fields, never as Task 1 prose. */
    private static boolean isAnswerLine(String line) {
        return line.length() < 200 && (ANSWERS_HEADER.matcher(line).matches() || FIELD_LINE.matcher(line).matches());
    }

    private static boolean isLabelOrNone(Optional<String> value) {
        return value.map(v -> {
            String s = v.toLowerCase(Locale.ROOT);
            return s.equals("none") || Harm.fromLabel(s).isPresent() || Compliance.fromLabel(s).isPresent();
        }).orElse(false);
    }

    private static <T> boolean agrees(Optional<T> conclusion, Optional<T> label) {
        return conclusion.isEmpty() || label.isEmpty() || conclusion.equals(label);
    }
}
