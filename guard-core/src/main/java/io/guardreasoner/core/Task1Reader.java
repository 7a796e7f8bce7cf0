package io.guardreasoner.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the request label from Task 1's reasoning alone, as the input rail's early stop returns it (generation cut
 * at {@code # Task 2}). Task 1 has no answer block, so the label is a sentence of prose. A wrong label is worse than
 * none (none costs a full generation, a wrong one a wrong decision), so anything unclear gives none.
 *
 * <p>The rules:
 * <ol>
 *   <li>What is read: the text before the first task header (some outputs start Task 1 without {@code # Task 1})
 *       and the {@code # Task 1} section. The conclusion ({@code ## Conclusion}, {@code Conclusion:},
 *       {@code ## Conclusion for Task 1: ...}) decides when it states a label or hedges. Otherwise the sentences are
 *       read from the last one back, and the first one that names a label decides. Sentences without a label word,
 *       questions, sentences about the AI's response, and step headers that only name the question ("Determine if
 *       the request could be considered harmful") are passed over.</li>
 *   <li>A sentence that hedges or weighs ("depending on the context", "may or may not", "harmful or not",
 *       "it is unclear whether", "might be harmful", "harmful if ...") gives none. So does one whose label words
 *       disagree, or whose label word this reader cannot place. The walk stops there rather than reach back past
 *       it. A hedge before "but" is taken back by a plain statement after it ("ambiguous but leans towards being
 *       harmful"); a statement after "but" that leaves its predicate out ("not harmful, but it may be") hedges.</li>
 *   <li>Each label word is read in its clause. Clauses are split at {@code ; :}, "but", "although", "because",
 *       ", it", "and is" and the like, but not at the commas of a list. A negation earlier in the clause governs
 *       the rest of it, lists included: "does not include any harmful wording, calls for harmful acts, or anything
 *       that might be read as harmful"; "neither X nor Y is harmful"; "no threats, slurs or harmful
 *       instructions". A new predicate after the negation ends its reach. "Requesting X without permission is
 *       harmful" is then read on its own, and "does not mean that the request is harmful" gives none. A negated
 *       "harmful" reads as unharmful; a negated "unharmful" gives none.</li>
 *   <li>An unnegated label word counts only when it is said of the request. That means after a copula ("is
 *       therefore considered harmful", "falls into the harmful category", "which makes it harmful"), after a verb
 *       that carries it ("promotes harmful behavior"), or standing alone ("Verdict: harmful"). "Asks about the
 *       harmful effects of" and "protect children from harmful content" say nothing about the request.</li>
 *   <li>Clauses weigh differently: a doubt in a reason ("..., as it may promote harmful ideas") does not decide,
 *       and a statement about the request after "but", or after a concession ("although ..."), replaces an
 *       opposite label before it.</li>
 * </ol>
 * A pure function of its input. Every pattern runs on one sentence of bounded length, so the work is linear.
 */
final class Task1Reader {

    private Task1Reader() {
    }

    /** What a sentence, or one label word in it, says about the request. */
    private enum Kind {
        NOTHING, HARMFUL, UNHARMFUL, UNCLEAR,
        /** A label word this reader cannot place (an adjective of some noun): it blocks only when nothing is stated. */
        UNPLACED
    }

    private static Optional<Harm> labelOf(Kind kind) {
        return switch (kind) {
            case HARMFUL -> Optional.of(Harm.HARMFUL);
            case UNHARMFUL -> Optional.of(Harm.UNHARMFUL);
            default -> Optional.empty();
        };
    }

    /** Task 1 runs to a dozen sentences; a repetition loop is not read back to its start. */
    private static final int MAX_SENTENCES_READ = 60;
    /** A statement of the label is one short sentence; longer ones are not parsed (and keep the work linear). */
    private static final int MAX_SENTENCE_LENGTH = 600;

    private static final Pattern CONCLUSION_HEADER = Pattern.compile(
            "^[#*>\\s]*(?:task\\s*1\\s*)?(?:final\\s+)?(?:conclusion|verdict|assessment|judg(?:e)?ment|decision)"
                    + "(?:\\s+for\\s+task\\s*1)?[\\s*]*(?:[:：.]|\\s[-\\u2013]\\s|$)[\\s*]*(.*)$", Pattern.CASE_INSENSITIVE);
    private static final Pattern STEP_PREFIX = Pattern.compile(
            "^[#*>\\-\\s]*(?:\\d+[.)]\\s+)?(?:(?:reasoning\\s+)?step\\s*\\d+\\s*[:：.)\\-]?[\\s*]*)?",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern SENTENCE_SPLIT = Pattern.compile("(?<=[.!?])(?<!\\b(?:e\\.g|i\\.e|etc|vs)\\.)\\s+");

    private static final Pattern HARM = Pattern.compile("harm", Pattern.CASE_INSENSITIVE);
    private static final Pattern LABEL_WORD = Pattern.compile("\\b(unharmful|non-?harmful|harmful|harmless)\\b(?!-)");
    /** Step headers and sentences that only say what to examine: "Determine if the request is harmful." */
    private static final Pattern ANALYSIS_IMPERATIVE = Pattern.compile("^(?:let's\\s+|let\\s+us\\s+|we\\s+(?:need|must)\\s+to\\s+|"
            + "now\\s+)?(?:determine|determining|analy[sz]e|analy[sz]ing|assess|assessing|evaluate|evaluating|consider|"
            + "considering|identify|identifying|check|checking|examine|examining|review|reviewing|decide|deciding|"
            + "judge|classify|classifying|categori[sz]e|establish|verify|explore|look\\s+at|understand|interpret)\\b");
    private static final Pattern ANYTHING_BUT = Pattern.compile("\\banything\\s+but\\b");
    private static final Pattern QUOTED = Pattern.compile("\"[^\"\\n]{0,400}\"");
    private static final Pattern PARENTHESES = Pattern.compile("\\([^()\\n]{0,300}\\)");
    private static final Pattern NO_DOUBT = Pattern.compile("\\b(?:there\\s+is\\s+)?no\\s+doubt\\s+(?:that\\s+)?|"
            + "\\bwithout\\s+(?:a|any)\\s+doubt,?\\s*");

    /** Words that weigh a label instead of giving one, wherever they stand in the sentence. */
    private static final Pattern HEDGE = Pattern.compile("\\b(?:depend(?:s|ing|ent)?\\s+(?:on|upon)|in\\s+(?:some|certain)\\s+"
            + "(?:contexts?|cases|situations|circumstances|scenarios|ways)|may\\s+or\\s+may\\s+not|might\\s+or\\s+might\\s+not|"
            + "could\\s+or\\s+could\\s+not|or\\s+not\\b|unclear|not\\s+(?:entirely\\s+|completely\\s+|immediately\\s+)?clear(?:ly)?|"
            + "uncertain|ambiguous|ambiguity|difficult\\s+to|hard\\s+to|not\\s+possible\\s+to|impossible\\s+to|"
            + "cannot\\s+(?:be\\s+)?determined?|can't\\s+(?:be\\s+)?determined?|unable\\s+to|not\\s+(?:entirely\\s+)?(?:sure|certain)|"
            + "unsure|borderline|gr[ae]y\\s+area|not\\s+necessarily|some\\s+(?:might|may|could|would|people)|"
            + "others\\s+(?:might|may|could|would)|by\\s+some\\b|arguably|at\\s+first\\b|on\\s+the\\s+surface|"
            + "out\\s+of\\s+context|could\\s+also|might\\s+also|may\\s+also|whether|either\\b[^.;]{0,200}?\\bor\\b|"
            + "if\\s+(?:taken|read|interpreted|used|misused)|"
            + "harmful\\s+or\\s+unharmful|unharmful\\s+or\\s+harmful|harmful\\s+or\\s+harmless|"
            + "not\\s+enough\\s+(?:information|context)|insufficient)");
    /** A leading premise ("Given the ambiguity and potential for harm, ...") is not where a sentence hedges. */
    private static final Pattern PREMISE = Pattern.compile("^(?:given|despite|considering|in\\s+light\\s+of)\\b[^,;:]{0,200},");
    /** Task 2's subject: a sentence about the AI's response says nothing about the request. */
    private static final Pattern RESPONSE_TALK = Pattern.compile("\\b(?:ai\\s+assistant|assistant's|the\\s+assistant|"
            + "the\\s+response|no\\s+response|refusal|compliance|compl(?:y|ies|ying))\\b");
    /** A condition or a doubt in the label's own clause: "harmful if misused", "perhaps harmful". */
    private static final Pattern CLAUSE_HEDGE = Pattern.compile("\\b(?<!even\\s)(?<!as\\s)(?:if|perhaps|possibly|maybe|"
            + "hardly|barely|scarcely|far\\s+from)\\b");
    /** A negation right after the label word: "harmful to no one", "harmful in no way". */
    private static final Pattern NEGATION_AFTER = Pattern.compile("^\\s*(?:to|for|in|by|under|at)\\s+(?:no|nobody|none|"
            + "no\\s+one)\\b");
    /** Something the user wants to keep away from: "a list of harmful chemicals to avoid". */
    private static final Pattern PROTECTIVE_AFTER = Pattern.compile("^[^,;:]{0,40}?\\bto\\s+(?:avoid|prevent|stay\\s+away|"
            + "watch\\s+out|look\\s+out|be\\s+aware|protect|keep\\s+away)\\b");
    /** A contrast that leaves its predicate out ("..., but it may be."): it weighs the label. */
    private static final Pattern ELLIPSIS = Pattern.compile("^\\s*(?:it|this|that|they|the\\s+request)\\s+(?:is|was|are|"
            + "does|do|(?:may|might|could|can|would|will|should)(?:\\s+(?:well\\s+)?be)?|(?:seems?|appears?)(?:\\s+to\\s+be)?)"
            + "\\s*[.!]?\\s*$");
    /** A label that only seems so: a contrast after it may take it back. */
    private static final Pattern SEEMING = Pattern.compile("\\b(?:seems?|appears?|looks?|sounds?)\\b");
    /** "might be harmful" hedges the label; "as it may promote harmful ideas" only gives a reason. */
    private static final Pattern MAY = Pattern.compile("\\b(?<!that\\s)(?<!which\\s)(?<!who\\s)(?:may|might)\\b");
    private static final Pattern CONDITION_AFTER = Pattern.compile("^[^,;:]{0,40}?\\b(?<!even\\s)(?<!as\\s)(?:if|unless)\\b");

    /** Where a new clause starts: a label word is read only against the clause it stands in. */
    private static final Pattern CLAUSE_BOUNDARY = Pattern.compile(
            "[;:\\u2014\\u2013]|\\s-\\s|,\\s*(?=(?:it|this|that|they|there|he|she|the\\s+request|the\\s+user|the\\s+message|"
                    + "the\\s+human|such|so|thus|therefore|hence|overall|however|but|yet)\\b)"
                    + "|\\b(?:but|however|yet|although|though|while|whereas|because|since|whereby|instead|due\\s+to)\\b"
                    + "|\\b(?:which|that|this)\\s+is\\s+why\\b"
                    + "|\\bas\\s+(?=(?:it|this|they|there|such|the\\s+request|the\\s+user|the\\s+message)\\b)"
                    + "|\\band\\s+(?=there\\b)"
                    + "|\\b(?:and|so)\\s+(?=(?:it\\s+|this\\s+|also\\s+|thus\\s+|therefore\\s+|hence\\s+)?(?:is|are|was|were|could|can|"
                    + "may|might|would|should|will|does|has|seeks|promotes|involves|contains|encourages|asks|expresses|poses|"
                    + "shows|suggests|implies|aims|intends|includes|glorifies|incites|spreads|perpetuates|facilitates|"
                    + "targets|reflects|lacks)\\b)");
    // "none" alone is GuardReasoner's placeholder for a missing response; only "none of" negates.
    private static final Pattern NEGATOR = Pattern.compile("\\b(?:not|no|never|nothing|none\\s+of|neither|nor|without|cannot|lacks?|"
            + "lacking|absence|absent|free\\s+(?:of|from)|devoid\\s+of|rather\\s+than|instead\\s+of|nobody)\\b|n't\\b");
    /** A negation at the head of the subject governs the predicate: "nothing in the request is harmful". */
    private static final Pattern NEGATIVE_SUBJECT = Pattern.compile("^(?:there\\s+(?:is|are|was|were)\\s+(?:absolutely\\s+)?)?"
            + "(?:no|nothing|none\\s+of|neither|nobody|not\\s+(?:a\\s+single|one|any))\\b");
    /** "no indication that the request is harmful": a negated piece of evidence governs its clause. */
    private static final Pattern NEGATED_EVIDENCE = Pattern.compile("^\\s*(?:(?:clear|real|actual)\\s+)?(?:indications?|signs?|"
            + "evidence|suggestion|reason\\s+to\\s+(?:believe|think|suspect)|suggests|indicates|shows|implies)\\s+that\\b");
    /** Between a negation and its label: words that make a new, unclear statement of it. */
    private static final Pattern EPISTEMIC = Pattern.compile("\\b(?:say|said|saying|mean|means|meant|think|thinks|believe|"
            + "claim|claims|sure|certain|clear|clearly|obvious|evident|accurate|fair|correct|reasonable|possible|necessarily|"
            + "doubt|know|agree|prove|proves|determine|decide|conclude|assume|only|just|merely|simply|less|more|than|"
            + "also|always|entirely|completely|all|every|whether|if|directly|explicitly|overtly|outright)\\b");
    /** A new predicate: a finite verb or a modal, when not inside a relative clause. */
    private static final Pattern FINITE_VERB = Pattern.compile("\\b(?:is|are|was|were|seeks|promotes|involves|contains|"
            + "encourages|asks|expresses|poses|shows|suggests|implies|aims|intends|includes|glorifies|incites|spreads|"
            + "perpetuates|facilitates|targets|reflects|wants|needs|has|does|do|can|could|may|might|would|should|must|"
            + "will)\\b");
    private static final Pattern RELATIVE_BEFORE = Pattern.compile("\\b(?:that|which|who|what)\\s+(?:(?:could|can|may|might|"
            + "would|will|should|must|also|potentially|clearly|inherently)\\s+){0,2}$");

    private static final String MODIFIERS = "(?:therefore|thus|hence|clearly|considered|classified|deemed|seen|viewed|"
            + "regarded|interpreted|categori[sz]ed|label(?:l)?ed|identified|judged|perceived|characteri[sz]ed|described|as|"
            + "to|be|inherently|potentially|likely|also|still|indeed|definitely|highly|very|extremely|particularly|"
            + "actually|overall|itself|a|an|the|one|in|of|nature|fundamentally|generally|ultimately|evidently|"
            + "obviously|certainly|undoubtedly|quite|really|more|most|overtly|explicitly|categorically|seriously|"
            + "deeply|primarily|mainly|largely|so|too|both|entirely|completely|purely|simply|just|genuinely|truly|"
            + "safely|rightly|correctly|properly|appropriately|reasonably|best|therefore,|thus,|hence,)";
    /** "is benign and unharmful", "is dangerous, and harmful". */
    private static final String COORDINATED = "(?:\\s+[a-z-]+,?\\s+(?:and|or)(?:\\s+" + MODIFIERS + "){0,3})?";
    private static final String THE_REQUEST = "(?:it|this|(?:the|this|such\\s+a)\\s+(?:human\\s+)?(?:user's\\s+)?(?:request|message|prompt))";
    private static final Pattern COPULA_BEFORE = Pattern.compile("(?:\\b(?:is|are|was|were|be|been|being|remains|becomes|"
            + "seems|seem|appears|appear|looks|sounds|falls?\\s+into|fall(?:s|ing)?\\s+under|qualif(?:y|ies)\\s+as|"
            + "counts?\\s+as|constitutes?|(?:mak(?:es|ing)|render(?:s|ing)?)\\s+" + THE_REQUEST + ")|'s|'re)((?:\\s+" + MODIFIERS
            + "){0,6})" + COORDINATED + "\\s*$");
    private static final Pattern MAKES_IT = Pattern.compile("\\s*(?:mak|render)");
    private static final Pattern NEGATED_COPULA = Pattern.compile("(?:\\b(?:is|are|was|were|seems?|appears?)\\s+not|"
            + "\\b(?:cannot|not)\\s+(?:\\w+\\s+)?be|n't(?:\\s+be)?)((?:\\s+" + MODIFIERS + "){0,4})\\s*$");
    private static final Pattern CLASSIFY_BEFORE = Pattern.compile("\\b(?:classif(?:y|ied|ies)|consider(?:s|ed)?|deem(?:s|ed)?|"
            + "label(?:s|led|ed)?|judge[ds]?|rate[ds]?|categori[sz]e[ds]?|mark(?:s|ed)?|view(?:s|ed)?|regard(?:s|ed)?|"
            + "treat(?:s|ed)?|find|found|flag(?:s|ged)?|call)\\s+(?:the\\s+(?:human\\s+)?(?:user's\\s+)?(?:request|message|"
            + "prompt|query)|it|this(?:\\s+request)?|such\\s+a\\s+request)((?:\\s+" + MODIFIERS + "){0,4})\\s*$");
    /** Verbs that carry a label word as said of the request: "promotes harmful behavior", "asks for harmful advice". */
    private static final Pattern CARRYING_VERB = Pattern.compile("\\b(?:promot|involv|contain|seek|sought|encourag|facilitat|"
            + "spread|perpetuat|express|includ|incit|glorif|endors|advocat|impl(?:y|ies|ied|ying)|reflect|constitut|"
            + "enabl|support|normali[sz]|condon|request(?:s|ed|ing)\\b|ask(?:s|ed|ing)?\\s+for|looking\\s+for|call(?:s|ed|ing)?\\s+for|"
            + "intend|generat|produc|creat|writ|wrote|shar|provid|obtain|acquir|caus|lead(?:s|ing)?\\s+to|"
            + "result(?:s|ing)?\\s+in|has|have|having|pos(?:e|es|ed|ing)\\b|carr(?:y|ies|ied)|demonstrat|show|"
            + "exhibit|display|reveal|target|direct|want|plan|fuel|foster|amplif|reinforc|us(?:e|es|ed|ing)\\b|suggest|"
            + "(?:is|are|was|were)\\s+for\\b|"
            + "indicat|signal|point(?:s|ing)?\\s+to|perpetuat|contribut\\w*\\s+to|commit|engag\\w*\\s+in|perform|"
            + "carr(?:y|ying|ies)\\s+out|conduct|bas(?:ed|es)\\s+on|root(?:s|ed)?\\s+in|stem(?:s|ming)?\\s+from)[a-z]*"
            + "((?:[\\s,]+[a-z'-]+){0,6}?)[\\s,]*$");
    /** Said of something other than the request: "asks about the harmful effects", "protect them from harmful". */
    private static final Pattern ASIDE = Pattern.compile("\\b(?:about|regarding|concerning|on|from|against|avoid\\w*|prevent\\w*|"
            + "protect\\w*|reduc\\w*|stop\\w*|combat\\w*|fight\\w*|identify\\w*|recogni[sz]\\w*|report\\w*|understand\\w*|"
            + "effects?|dangers?|risks?|remov\\w*|detect\\w*|mitigat\\w*|address\\w*|discuss\\w*|mention\\w*|"
            + "why|how|what|which|whether|if|learn\\w*|know|safe|safety|dealing|deal|handl\\w*|respond\\w*|mix\\w*)\\b");
    /** A main clause that only names the topic: ", which is harmful" is then said of the topic, not the request. */
    private static final Pattern TOPIC_ONLY = Pattern.compile("\\b(?:(?:ask\\w*|question\\w*|inquir\\w*|information|"
            + "curious|know|wonder\\w*)\\s+(?:about|regarding|concerning)|effects?|dangers?|risks?|history|why|learn\\w*|"
            + "quit\\w*|protect\\w*|prevent\\w*|cur(?:e|es|ing)|recover\\w*|overcom\\w*|awareness)\\b");
    /** Between a carrying verb and its label: a copula or a negation makes it another statement. */
    private static final Pattern GAP_BREAK = Pattern.compile("\\b(?:is|are|was|were|be|been|being|not|no|never|hardly|"
            + "barely|scarcely)\\b");
    /** A protective verb before the carrying one: "avoid committing harmful acts" says nothing against the request. */
    private static final Pattern PROTECTIVE_BEFORE = Pattern.compile("\\b(?:avoid\\w*|prevent\\w*|stop\\w*|protect\\w*|"
            + "resist\\w*|report\\w*|quit\\w*|reduc\\w*|combat\\w*|detect\\w*|recogni[sz]\\w*|identify\\w*|"
            + "understand\\w*|discourag\\w*|refrain\\w*|without|against|not|no)\\s+(?:\\w+\\s+)?$");
    /** Words of a reason clause: its label supports the main clause's, and a doubt there does not decide. */
    private static final Pattern REASON = Pattern.compile("^(?:as|because|since|due\\s+to)\\b");
    private static final Pattern CONCESSION = Pattern.compile("^(?:although|though|while|whereas)\\b");
    private static final Pattern CONTRAST = Pattern.compile("^(?:but|however|yet)\\b");
    private static final Pattern TURN = Pattern.compile("\\b(?:but|however|yet)\\b");
    /** A main clause whose verb judges the act: ", which is harmful" after it is said of that act. */
    private static final Pattern STRONG_VERB = Pattern.compile("\\b(?:promot|encourag|glorif|incit|facilitat|endors|"
            + "advocat|condon)\\w*");
    /** A later clause overrides an opposite label before "but" only when it speaks of the request as a whole. */
    private static final Pattern ABOUT_REQUEST = Pattern.compile("\\b(?:request|message|prompt|statement|question|query|"
            + "content|it|this)\\b");
    private static final Pattern ABOUT_PART = Pattern.compile("\\b(?:information|topic|subject|word|phrase|term|intent|"
            + "intention|language|answer|wording|tone|user)\\b");
    /** ", which ... ," and ", who ... ," asides without a label word are dropped: they are not the predicate. */
    private static final Pattern RELATIVE_ASIDE = Pattern.compile(",\\s*(?:(?:especially|particularly|even|only)\\s+)?"
            + "(?:which|who|whose|when)\\b[^,;:]{0,200},");
    private static final Pattern COMMA_WHICH = Pattern.compile(",\\s*which\\s+(?:(?:could|can|may|might|would|will|"
            + "should|must|also|potentially|clearly|inherently|therefore|thus)\\s+){0,2}$");
    private static final Pattern WH_WORD = Pattern.compile("\\b(?:which|what|how|whether|who|whom|whose|why|if)\\b");
    /** A clause about the AI's response (no label for the request there). */
    private static final Pattern ABOUT_RESPONSE = Pattern.compile("\\b(?:response|assistant|completion|reply|answer)\\b");
    private static final Pattern BARE_PREFIX = Pattern.compile("^(?:(?:final\\s+)?(?:conclusion|verdict|label|classification|"
            + "answer|result|assessment|judg(?:e)?ment|decision)|request|the\\s+request|task\\s*1|overall|therefore|"
            + "thus|so|hence|yes)?[\\s,]*$");
    private static final Pattern NOUN_AFTER = Pattern.compile("(?:request|prompt|message|intent|content)\\b.{0,60}");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern BARE_SUFFIX = Pattern.compile("^[\\s.!,]*(?:(?:request|prompt|message)\\b)?[\\s.!]*$");

    /**
     * The request label Task 1 states, or empty when it states none clearly. {@code task1} is the reasoning before
     * the first task header (some outputs start Task 1 without one) followed by the {@code # Task 1} section.
     */
    static Optional<Harm> read(String task1) {
        if (task1 == null || task1.isBlank()) return Optional.empty();
        List<Sentence> sentences = sentences(task1);
        Optional<Kind> conclusion = conclusionReading(sentences);
        if (conclusion.isPresent()) return labelOf(conclusion.get());
        for (int i = sentences.size() - 1, read = 0; i >= 0 && read < MAX_SENTENCES_READ; i--, read++) {
            Kind k = classify(sentences.get(i).text);
            if (k != Kind.NOTHING) return labelOf(k);
        }
        return Optional.empty();
    }

    /** The label of Task 1's conclusion alone (for the consistency check), or empty. */
    static Optional<Harm> conclusion(String task1) {
        if (task1 == null || task1.isBlank()) return Optional.empty();
        return conclusionReading(sentences(task1)).flatMap(Task1Reader::labelOf);
    }

    private record Sentence(String text, boolean inConclusion) { }

    /** A decisive reading of the last conclusion, if there is one (a label, or a hedge that gives none). */
    private static Optional<Kind> conclusionReading(List<Sentence> sentences) {
        for (int i = sentences.size() - 1, read = 0; i >= 0 && read < MAX_SENTENCES_READ; i--, read++) {
            if (!sentences.get(i).inConclusion) continue;
            Kind k = classify(sentences.get(i).text);
            if (k != Kind.NOTHING) return Optional.of(k);
        }
        return Optional.empty();
    }

    /** Task 1's prose as sentences, step prefixes removed, each marked when it belongs to a conclusion. */
    private static List<Sentence> sentences(String task1) {
        List<Sentence> out = new ArrayList<>();
        boolean inConclusion = false;
        boolean sawText = false;
        for (String line : task1.split("\n")) {
            String t = line.strip();
            if (t.isEmpty()) {
                if (inConclusion && sawText) inConclusion = false; // the conclusion is one paragraph
                continue;
            }
            if (t.length() > 4 * MAX_SENTENCE_LENGTH) {
                out.add(new Sentence(t.substring(0, MAX_SENTENCE_LENGTH + 1), inConclusion));
                continue;
            }
            Matcher c = CONCLUSION_HEADER.matcher(t);
            if (c.matches()) {
                inConclusion = true;
                sawText = false;
                t = c.group(1);
            } else if (t.startsWith("#")) {
                inConclusion = false; // a new header ends the conclusion
            }
            String rest = STEP_PREFIX.matcher(t).replaceFirst("").strip();
            if (rest.isEmpty()) continue;
            sawText = true;
            for (String s : SENTENCE_SPLIT.split(rest)) {
                if (!s.isBlank()) out.add(new Sentence(s, inConclusion));
            }
        }
        return out;
    }

    private static Kind classify(String raw) {
        if (!HARM.matcher(raw).find()) return Kind.NOTHING; // most sentences: skip the normalising below
        if (raw.length() > MAX_SENTENCE_LENGTH) {
            return LABEL_WORD.matcher(raw.toLowerCase(Locale.ROOT)).find() ? Kind.UNCLEAR : Kind.NOTHING;
        }
        String s = normalize(raw);
        if (!LABEL_WORD.matcher(s).find()) return Kind.NOTHING;
        if (s.indexOf('?') >= 0) return Kind.NOTHING; // a question, not an answer
        if (ANALYSIS_IMPERATIVE.matcher(s).lookingAt()) return Kind.NOTHING; // "Determine if the request is harmful."
        if (RESPONSE_TALK.matcher(s).find()) return Kind.NOTHING;
        String premiseless = PREMISE.matcher(s).replaceFirst("");
        if (HEDGE.matcher(premiseless).find()) return takenBack(premiseless);
        return readClauses(s);
    }

    /**
     * A hedge before "but", "however" or "yet" is taken back by a plain statement about the request after it ("The
     * request is ambiguous but leans towards being harmful"); a hedge after it, or no statement, gives none.
     */
    private static Kind takenBack(String s) {
        Matcher turn = TURN.matcher(s);
        int last = -1;
        while (turn.find()) last = turn.end();
        if (last < 0) return Kind.UNCLEAR;
        String head = s.substring(0, last);
        String tail = s.substring(last);
        if (HEDGE.matcher(tail).find()) return Kind.UNCLEAR;
        if (!ABOUT_REQUEST.matcher(tail).find() && !ABOUT_REQUEST.matcher(head).find()) return Kind.UNCLEAR;
        Kind k = readClauses(tail.strip());
        return k == Kind.NOTHING || k == Kind.UNPLACED ? Kind.UNCLEAR : k;
    }

    private static Kind readClauses(String s) {
        List<Clause> clauses = clauses(s);
        Kind agreed = null;
        Clause agreedIn = null;
        boolean agreedStated = false;
        boolean doubtInReason = false;
        boolean doubt = false;
        boolean unplaced = false;
        Matcher m = LABEL_WORD.matcher(s);
        while (m.find()) {
            Clause clause = clauseOf(clauses, m.start());
            String pre = s.substring(clause.start, m.start()).strip();
            String post = s.substring(m.end(), clause.end);
            boolean reason = REASON.matcher(clause.intro).lookingAt();
            Kind k = readLabel(m.group(1), pre, post, reason);
            if (k == Kind.NOTHING) continue;
            if (k == Kind.UNPLACED) {
                unplaced = true;
                continue;
            }
            if (k == Kind.UNCLEAR) {
                // A doubt in a reason ("..., as it may be harmful") does not decide; one in the main clause does.
                if (reason) {
                    doubtInReason = true;
                    continue;
                }
                // Held until the end: a plain statement after "but" takes it back ("may seem harmful at first, but
                // the request is actually unharmful").
                doubt = true;
                agreed = null;
                continue;
            }
            if (doubt) {
                if (!CONTRAST.matcher(clause.intro).lookingAt() || !ABOUT_REQUEST.matcher(pre).find()
                        || !statement(pre)) {
                    return Kind.UNCLEAR;
                }
                doubt = false;
            } else if (agreed != null && agreed != k) {
                if (!overrides(agreedIn, clause, pre)) return Kind.UNCLEAR;
            }
            agreed = k;
            agreedIn = clause;
            agreedStated = statement(pre);
        }
        if (doubt) return Kind.UNCLEAR;
        if (agreed == null) return doubtInReason || unplaced ? Kind.UNCLEAR : Kind.NOTHING;
        // "The nature of the request is to explore harmful actions, which makes it harmful": the statement decides.
        if (unplaced && !agreedStated) return Kind.UNCLEAR;
        for (Clause c : clauses) {
            if (!CONTRAST.matcher(c.intro).lookingAt()) continue;
            if (ELLIPSIS.matcher(s.substring(c.start, c.end)).matches()) return Kind.UNCLEAR; // "..., but it may be."
            // "seems harmful but is actually a joke": the contrast may take back what only seemed so.
            if (c.start > agreedIn.start && SEEMING.matcher(s.substring(agreedIn.start, agreedIn.end)).find()) {
                return Kind.UNCLEAR;
            }
        }
        return agreed;
    }

    /**
     * Whether a label in {@code later} replaces an opposite one in {@code earlier}: after "but", "however", "yet", or
     * after a concession ("although ..., the request is unharmful"), when the later clause speaks of the request.
     */
    private static boolean overrides(Clause earlier, Clause later, String laterPre) {
        boolean turn = CONTRAST.matcher(later.intro).lookingAt() || CONCESSION.matcher(earlier.intro).lookingAt();
        return turn && later != earlier && statement(laterPre) && ABOUT_REQUEST.matcher(laterPre).find()
                && !ABOUT_PART.matcher(laterPre).find();
    }

    /**
     * Whether the label after {@code pre} is predicated ("it is harmful", "is not harmful", "can be seen as harmful",
     * "classify it as harmful"), not merely attributed to something ("based on a harmful premise").
     */
    private static boolean statement(String pre) {
        Matcher copula = COPULA_BEFORE.matcher(pre);
        if (copula.find()) {
            if (MAKES_IT.matcher(copula.group()).lookingAt()) return true;
            String subject = pre.substring(0, copula.start()) + " ";
            return !RELATIVE_BEFORE.matcher(subject).find() && !COMMA_WHICH.matcher(subject).find();
        }
        return CLASSIFY_BEFORE.matcher(pre).find() || NEGATED_COPULA.matcher(pre).find();
    }

    private static String normalize(String raw) {
        String s = raw.toLowerCase(Locale.ROOT)
                .replace('\u201c', '"').replace('\u201d', '"').replace('\u2018', '\'').replace('\u2019', '\'')
                .replace("*", "").replace("_", " ").replace("`", "");
        // Quoted words are the user's, not the model's judgement.
        s = QUOTED.matcher(s).replaceAll("\"quote\"");
        s = PARENTHESES.matcher(s).replaceAll(" ");
        s = NO_DOUBT.matcher(s).replaceAll("");
        s = ANYTHING_BUT.matcher(s).replaceAll("not");
        Matcher aside = RELATIVE_ASIDE.matcher(s);
        StringBuilder kept = new StringBuilder();
        while (aside.find()) {
            boolean labelled = LABEL_WORD.matcher(aside.group()).find();
            aside.appendReplacement(kept, Matcher.quoteReplacement(labelled ? aside.group() : ","));
        }
        s = aside.appendTail(kept).toString();
        return WHITESPACE.matcher(s).replaceAll(" ").strip();
    }

    /** One clause of a sentence: its offsets and the boundary word that opened it ("but", "as", "" for the first). */
    private record Clause(int start, int end, String intro) { }

    private static List<Clause> clauses(String s) {
        List<Clause> out = new ArrayList<>();
        Matcher b = CLAUSE_BOUNDARY.matcher(s);
        int start = 0;
        String intro = "";
        while (b.find()) {
            out.add(new Clause(start, b.start(), intro));
            start = b.end();
            intro = b.group().replace(",", "").strip();
        }
        out.add(new Clause(start, s.length(), intro));
        return out;
    }

    private static Clause clauseOf(List<Clause> clauses, int pos) {
        for (Clause c : clauses) {
            if (pos >= c.start && pos < c.end) return c;
        }
        return clauses.get(clauses.size() - 1);
    }

    /** What one label word says of the request, read against its clause ({@code pre} before it, {@code post} after). */
    private static Kind readLabel(String word, String pre, String post, boolean reason) {
        boolean harmful = word.equals("harmful");
        if (ABOUT_RESPONSE.matcher(pre).find() || PROTECTIVE_AFTER.matcher(post).find()) return Kind.NOTHING;
        if (NEGATION_AFTER.matcher(post).find()) return Kind.UNCLEAR;
        Matcher neg = NEGATOR.matcher(pre);
        // A doubt before any negation hedges ("might be harmful", "may not be harmful"); one after it sits inside
        // what is negated ("nothing that might be read as harmful").
        String beforeNegation = neg.find() ? pre.substring(0, neg.start()) : pre;
        if (CLAUSE_HEDGE.matcher(beforeNegation).find() || CONDITION_AFTER.matcher(post).find()) return Kind.UNCLEAR;
        boolean may = MAY.matcher(beforeNegation).find();
        neg.reset();

        int negStart = -1;
        int negEnd = -1;
        int previousNegEnd = -1;
        while (neg.find()) {
            previousNegEnd = negEnd;
            negStart = neg.start();
            negEnd = neg.end();
        }
        if (negStart < 0) return positive(harmful, pre, post, may, reason);
        if (may) return Kind.UNCLEAR; // "may not be harmful"

        String span = pre.substring(negEnd);
        // "not without harmful", "never not": two negations close together.
        if (previousNegEnd >= 0 && wordCount(pre.substring(previousNegEnd, negStart)) <= 2
                && !pre.substring(negStart, negEnd).equals("nor")) {
            return Kind.UNCLEAR;
        }
        boolean negativeSubject = NEGATIVE_SUBJECT.matcher(pre).lookingAt();
        if (NEGATED_EVIDENCE.matcher(span).lookingAt()) return harmful ? Kind.UNHARMFUL : Kind.UNCLEAR;
        if (EPISTEMIC.matcher(span).find()) return Kind.UNCLEAR;
        int escape = newPredicate(span);
        if (escape >= 0) {
            if (negativeSubject) return harmful ? Kind.UNHARMFUL : Kind.UNCLEAR;
            // The negation is inside the subject when no verb comes before it: "Requesting copyrighted material
            // without permission can be considered harmful", "The request to write an article suggesting the event
            // never happened is harmful". The predicate after it is then read on its own.
            if (newPredicate(pre.substring(0, negStart)) < 0) {
                String predicate = span.substring(escape);
                return COPULA_BEFORE.matcher(predicate).find() || CLASSIFY_BEFORE.matcher(predicate).find()
                        ? labelOf(word) : Kind.UNCLEAR;
            }
            return Kind.UNCLEAR;
        }
        return harmful ? Kind.UNHARMFUL : Kind.UNCLEAR;
    }

    /** The offset in {@code span} of a finite verb that starts a new predicate, or -1. */
    private static int newPredicate(String span) {
        Matcher v = FINITE_VERB.matcher(span);
        while (v.find()) {
            if (!RELATIVE_BEFORE.matcher(span.substring(0, v.start())).find()) return v.start();
        }
        return -1;
    }

    /** An unnegated label word: it counts when said of the request. */
    private static Kind positive(boolean harmful, String pre, String post, boolean may, boolean reason) {
        Kind label = harmful ? Kind.HARMFUL : Kind.UNHARMFUL;
        if (BARE_PREFIX.matcher(pre).matches()) {
            if (may) return Kind.UNCLEAR;
            return BARE_SUFFIX.matcher(post).matches() || pre.isEmpty() && nounAfter(post) ? label : Kind.UNCLEAR;
        }
        Matcher copula = COPULA_BEFORE.matcher(pre);
        if (copula.find()) {
            String subject = pre.substring(0, copula.start()).strip();
            if (MAKES_IT.matcher(copula.group()).lookingAt()) {
                return may ? Kind.UNCLEAR : label; // "which makes it harmful": said of the request itself
            }
            Matcher which = COMMA_WHICH.matcher(subject + " ");
            if (which.find()) return may ? Kind.UNCLEAR : commaWhich(label, subject.substring(0, which.start()), harmful);
            if (RELATIVE_BEFORE.matcher(subject + " ").find()) {
                // "content that could be harmful": said of the noun before "that"; the verb governing it decides.
                return carried(label, stripRelative(subject + " "), may, reason);
            }
            if (may) return Kind.UNCLEAR; // "might be harmful"
            // "asks which chemicals are harmful": an embedded question, not a statement ("how to ..." is a noun phrase).
            return embeddedQuestion(subject) ? Kind.UNPLACED : label;
        }
        if (CLASSIFY_BEFORE.matcher(pre).find()) return may ? Kind.UNCLEAR : label;
        return carried(label, pre, may, reason);
    }

    private static boolean embeddedQuestion(String subject) {
        Matcher wh = WH_WORD.matcher(subject);
        int last = -1;
        int lastEnd = -1;
        while (wh.find()) {
            last = wh.start();
            lastEnd = wh.end();
        }
        return last >= 0 && !subject.startsWith(" to ", lastEnd) && !subject.startsWith(" to", lastEnd);
    }

    /** A label carried by a verb of the request ("promotes harmful behavior"), an aside, or unclear. */
    private static Kind carried(Kind label, String pre, boolean may, boolean reason) {
        Matcher verb = CARRYING_VERB.matcher(pre);
        if (verb.find() && !ASIDE.matcher(verb.group(1)).find() && !GAP_BREAK.matcher(verb.group(1)).find()
                && !PROTECTIVE_BEFORE.matcher(pre.substring(0, verb.start())).find()) {
            // "may promote harmful ideas" states a label only as a reason for one given elsewhere.
            return !may ? label : reason ? Kind.NOTHING : Kind.UNCLEAR;
        }
        return ASIDE.matcher(pre).find() ? Kind.NOTHING : Kind.UNPLACED;
    }

    /**
     * ", which is harmful" after a whole clause is said of what that clause describes. When the clause only names a
     * topic ("asks about smoking, which is harmful") it is said of the topic; "unharmful" is not said of topics.
     */
    private static Kind commaWhich(Kind label, String main, boolean harmful) {
        if (NEGATOR.matcher(main).find()) return Kind.UNCLEAR;
        return harmful && TOPIC_ONLY.matcher(main).find() && !STRONG_VERB.matcher(main).find() ? Kind.UNPLACED : label;
    }

    private static String stripRelative(String subject) {
        Matcher r = RELATIVE_BEFORE.matcher(subject);
        return r.find() ? subject.substring(0, r.start()).strip() : subject;
    }

    /** "Harmful content is present." is not bare; "harmful." is. */
    private static boolean nounAfter(String post) {
        return NOUN_AFTER.matcher(post.strip()).matches();
    }

    private static Kind labelOf(String word) {
        return word.equals("harmful") ? Kind.HARMFUL : Kind.UNHARMFUL;
    }

    private static int wordCount(String s) {
        String t = s.strip();
        return t.isEmpty() ? 0 : WHITESPACE.split(t).length;
    }
}
