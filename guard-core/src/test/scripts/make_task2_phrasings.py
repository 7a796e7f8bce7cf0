#!/usr/bin/env python3
"""Generates the template part of src/test/resources/task2-phrasings.txt (entries g001...).

Each entry is a Task 2 section as the output rail's early stop leaves it (cut before "\\nAnswers:", so a Task 3 follows
it; the test adds one): a layout, a description of what the AI assistant did, analysis steps, and a final statement
whose true completion label is known: refusal, compliance, or none (a hedge, a partial refusal, a step header left
unanswered, a conclusion of "None"). The analysis steps include negated forms ("does not refuse", "is not a refusal")
and other senses of the words ("compliance with safety rules"). The hand-written entries (h001...) come first in the
resource file; this script rewrites only the part after the line "#### generated". Run from guard-core:
python3 src/test/scripts/make_task2_phrasings.py
"""
import random
from pathlib import Path

SEED = 20250204
COUNT = 120

REFUSAL_TOPICS = [
    ("The AI assistant states that it cannot provide instructions for building a bomb.", "it does not provide the requested information"),
    ("The assistant says it will not write a message that harasses a classmate.", "it declines to write the message"),
    ("The AI assistant explains that it is unable to help with buying drugs online.", "it does not help with the request"),
    ("The assistant refuses to write extremist propaganda and explains why.", "it refuses to produce the content"),
    ("The AI assistant declines to explain how to access someone else's email account.", "it declines the request"),
    ("The assistant tells the user it cannot assist with scamming elderly people.", "it does not assist"),
    ("The AI assistant does not give self-harm methods and instead shares a crisis hotline.", "it redirects the user to help"),
    ("The assistant says that writing fake reviews would be unethical and offers no reviews.", "it does not fulfill the request"),
]
COMPLIANCE_TOPICS = [
    ("The AI assistant provides a recipe for banana bread.", "it provides the requested recipe"),
    ("The assistant explains how photosynthesis works, as the user asked.", "it answers the question"),
    ("The AI assistant lists step-by-step instructions for building an explosive device.", "it provides the requested instructions"),
    ("The assistant writes the requested cover letter.", "it fulfills the user's request"),
    ("The AI assistant gives tips for learning the guitar.", "it gives the requested tips"),
    ("The assistant writes the phishing email the user asked for.", "it produces the requested email"),
    ("The AI assistant explains how to kill a stuck process on Linux.", "it directly answers the question"),
    ("The assistant gives the user a list of websites, as requested.", "it provides the list"),
]
UNCLEAR_TOPICS = [
    "The AI assistant answers part of the question and skips the rest.",
    "The assistant replies with a joke that does not address the question.",
    "The AI assistant gives general background but not the specific steps.",
    "The assistant asks the user a clarifying question.",
]

REFUSAL_ANALYSIS = [
    "The assistant does not comply with the user's request.",
    "The response does not provide the requested details.",
    "The assistant emphasizes compliance with the law and ethical guidelines.",
    "Instead of answering, the assistant explains the risks involved.",
    "The user wanted the assistant to comply, but it did not.",
]
COMPLIANCE_ANALYSIS = [
    "The assistant does not refuse the request.",
    "The response addresses the user's request directly.",
    "There is no refusal, warning, or redirection in the response.",
    "The assistant follows safety guidelines while answering.",
    "The response includes the information the user asked for.",
]
UNCLEAR_ANALYSIS = [
    "The response is short.",
    "It is not obvious what the user wanted.",
    "The assistant's answer mixes a warning with some details.",
]
HEADERS = [
    "Analyze the AI assistant's response.",
    "Identify what the assistant does with the request.",
    "Examine how the assistant handles the request.",
    "Consider the content of the response.",
]
QUESTION_HEADERS = [
    "Determine if the AI assistant's response is a refusal or compliance",
    "Determine whether the response complies with or refuses the request.",
    "Assess whether the assistant refuses the request.",
    "Evaluate if the response is compliance.",
]

REFUSAL_FINALS = [
    "The response is a refusal as {r}.",
    "The AI assistant's response is a refusal.",
    "The AI assistant's response is refusal.",
    "Therefore, the response is a refusal.",
    "The response is a clear refusal to comply with the request.",
    "The assistant refuses to comply with the request.",
    "The assistant declines to provide the requested information.",
    "The response is a refusal because {r}.",
    "The response does not comply with the request; it is a refusal.",
    "The response is not compliance, as {r}.",
    "The assistant refuses the request, so the response is a refusal.",
    "Although the assistant is polite, the response is a refusal.",
]
COMPLIANCE_FINALS = [
    "The response is compliance as {r}.",
    "The AI assistant's response is compliance.",
    "Therefore, the response is compliance.",
    "The response is compliance because {r}.",
    "The assistant complies with the user's request.",
    "The response does not refuse the request; instead, it complies by providing the requested information.",
    "The response is not a refusal, as {r}.",
    "The assistant does not refuse or redirect the user, so the response is compliance.",
    "Although the assistant adds a disclaimer, it complies with the request.",
    "The AI assistant complies with the request, which indicates compliance.",
    "The response is compliance rather than refusal.",
    "The assistant does not decline the request.",
]
HEDGE_FINALS = [
    "It is unclear whether the response is a refusal or compliance.",
    "The response could be seen as a partial refusal.",
    "The response may or may not be a refusal.",
    "Whether the response counts as compliance depends on what the user wanted.",
    "The response might be a refusal, but it might also be a partial answer.",
    "The response is neither a clear refusal nor clear compliance.",
    "The assistant does not fully comply with the request.",
    "The AI assistant's response is None.",
]
EARLY_HEDGES = [
    "At first, the response could look like a refusal.",
    "Some parts of the response might seem evasive.",
]


def step_text(layout, k, text, header=None):
    if layout == "block":
        return f"## Reasoning Step {k}\n{text}\n\n"
    if layout == "inline":
        return f"## Reasoning Step {k}: {text}\n"
    if layout == "headed":  # the 1B/8B style: a header naming the step, the reasoning on the next line
        return f"## Reasoning Step {k}: {header}\n{text}\n\n"
    if layout == "bold":
        return f"**Reasoning Step {k}:** {text}\n\n"
    return text + " "  # paragraph


def lower_first(s):
    return s if s.startswith("I ") else s[0].lower() + s[1:]


def conclusion(kind, final, label):
    short = label if label != "none" else "None"
    if kind == "block":
        return f"## Conclusion\n{final}\n\n"
    if kind == "colon":
        return f"## Conclusion: {final}\n\n"
    if kind == "task2":
        return f"## Conclusion for Task 2: {final}\n\n"
    if kind == "task2-hash":
        return f"# Conclusion for Task 2: {final}\n\n"
    if kind == "plain":
        return f"Conclusion: {final}\n\n"
    if kind == "therefore":
        return f"In conclusion, {lower_first(final)}\n\n"
    if kind == "label-only":  # "# Task 2 Conclusion: refusal" (1B/8B)
        return f"# Task 2 Conclusion: {short}\n\n"
    if kind == "field":  # "# Task 2 Conclusion\nCompletion: refusal" (8B)
        return f"# Task 2 Conclusion\nCompletion: {short}\n\n"
    raise ValueError(kind)


def entry(rng):
    label = rng.choices(["refusal", "compliance", "none"], weights=[4, 4, 2])[0]
    layout = rng.choice(["block", "inline", "headed", "bold", "paragraph"])
    ending = rng.choice(["none", "none", "block", "colon", "task2", "task2-hash", "plain", "therefore", "label-only",
                         "field"])
    notes = [layout]
    if label == "refusal":
        topic, reason = rng.choice(REFUSAL_TOPICS)
        analysis = rng.sample(REFUSAL_ANALYSIS, rng.randint(0, 2))
        final = rng.choice(REFUSAL_FINALS).format(r=reason)
    elif label == "compliance":
        topic, reason = rng.choice(COMPLIANCE_TOPICS)
        analysis = rng.sample(COMPLIANCE_ANALYSIS, rng.randint(0, 2))
        final = rng.choice(COMPLIANCE_FINALS).format(r=reason)
    else:
        topic = rng.choice(UNCLEAR_TOPICS)
        analysis = rng.sample(UNCLEAR_ANALYSIS, rng.randint(0, 2))
        final = rng.choice(HEDGE_FINALS)
        if ending in ("label-only", "field"):
            ending = "block"  # "# Task 2 Conclusion: None" would be a label of its own kind
        if rng.random() < 0.25 and layout in ("block", "inline", "headed"):
            final = None  # cut right after a step header that only names the question
            ending = "none"
            notes.append("unanswered header")
    if label != "none" and rng.random() < 0.2:
        analysis = [rng.choice(EARLY_HEDGES)] + analysis
        notes.append("early hedge")
    if label == "none" and final is not None and rng.random() < 0.3 and not final.endswith("None."):
        analysis = analysis + [rng.choice(["The response is a refusal.", "The response seems to be compliance."])]
        notes.append("hedge after a label")
    if label == "none" and final is not None and final.endswith("None."):
        analysis = ["The AI assistant's response was examined for refusal or compliance."] + analysis
        notes.append("examined, then None")
    steps = [topic] + analysis
    out = "# Task 2\n\n"
    k = 0
    for k, text in enumerate(steps, start=1):
        out += step_text(layout, k, text, rng.choice(HEADERS))
    if final is None:
        header = rng.choice(QUESTION_HEADERS)
        out += f"## Reasoning Step {k + 1}: {header}\n" if layout != "block" else f"## Reasoning Step {k + 1}\n{header}\n"
    elif ending == "none" or layout == "paragraph" and ending in ("block", "colon", "task2"):
        out += step_text(layout, k + 1, final, rng.choice(QUESTION_HEADERS))
        notes.append("no conclusion")
    else:
        out += ("\n" if layout in ("paragraph", "inline") else "") + conclusion(ending, final, label)
        notes.append("conclusion " + ending)
    return label, "; ".join(notes), out.rstrip() + "\n"


def main():
    rng = random.Random(SEED)
    seen = set()
    entries = []
    while len(entries) < COUNT:
        label, notes, text = entry(rng)
        if text in seen:
            continue
        seen.add(text)
        entries.append((label, notes, text))
    path = Path(__file__).resolve().parents[1] / "resources" / "task2-phrasings.txt"
    head = path.read_text(encoding="utf-8").split("#### generated")[0] if path.exists() else ""
    body = "".join(f"=== g{i:03d} {label} | {notes}\n{text}\n" for i, (label, notes, text) in enumerate(entries, 1))
    path.write_text(head + "#### generated by src/test/scripts/make_task2_phrasings.py; do not edit below\n\n" + body,
                    encoding="utf-8")


if __name__ == "__main__":
    main()
