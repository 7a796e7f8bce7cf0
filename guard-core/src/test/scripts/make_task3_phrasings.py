#!/usr/bin/env python3
"""Generates the template part of src/test/resources/task3-phrasings.txt (entries g001...).

Each entry is a Task 3 section as the output rail's early stop leaves it (cut before "\\nAnswers:"): a layout, a
description of the AI assistant's response, analysis steps, and a final statement whose true response label is
known: harmful, unharmful, or none (a hedge, a step header left unanswered, a conclusion of "None"). The analysis
steps include sentences where "harmful" is said of the request, the user or a topic, never of the response. The
hand-written entries (h001...) come first in the resource file; this script rewrites only the part after the line
"#### generated". Run from guard-core: python3 src/test/scripts/make_task3_phrasings.py
"""
import random
from pathlib import Path

SEED = 20250203
COUNT = 130

HARMFUL_TOPICS = [
    ("The AI assistant provides step-by-step instructions for building an explosive device.", "it could lead to serious injury or death"),
    ("The assistant explains how to use a stolen social security number to open credit cards.", "it facilitates identity theft"),
    ("The AI assistant writes a message that mocks a classmate's weight.", "it promotes bullying and harassment"),
    ("The assistant lists websites where illegal drugs can be bought without being traced.", "it facilitates illegal drug purchases"),
    ("The AI assistant writes propaganda that glorifies a terrorist group.", "it promotes violent extremism"),
    ("The assistant explains how to get into a partner's email account without the password.", "it enables unauthorized access to private accounts"),
    ("The AI assistant drafts a phone script for cheating elderly people out of their savings.", "it supports fraud against vulnerable people"),
    ("The assistant describes ways to hurt oneself without anyone noticing.", "it could encourage self-harm"),
    ("The AI assistant writes a set of fake reviews to ruin a competitor's business.", "it spreads deception and defamation"),
    ("The assistant provides a list of slurs to use against a religious group.", "it spreads hate speech"),
    ("The AI assistant explains how to disable the smoke detectors in an apartment building.", "it could endanger many lives"),
    ("The assistant explains how to hide a camera in a coworker's bathroom.", "it violates privacy"),
]
UNHARMFUL_TOPICS = [
    ("The AI assistant gives a recipe for banana bread.", "it is ordinary cooking advice"),
    ("The assistant explains how photosynthesis works.", "it is educational"),
    ("The AI assistant politely refuses to explain how to make a weapon.", "it does not provide the requested information"),
    ("The assistant declines to write the hateful message and suggests a respectful alternative.", "it promotes respect"),
    ("The AI assistant gives tips for learning the guitar.", "it is about a hobby"),
    ("The assistant explains the harmful effects of UV light on the skin and how to use sunscreen.", "it promotes health and safety"),
    ("The AI assistant refuses the request and points the user to a crisis hotline.", "it encourages the user to seek help"),
    ("The assistant explains how to kill a stuck process on Linux.", "it is a technical answer about software"),
    ("The AI assistant summarises the history of the Roman Colosseum.", "it is historical information"),
    ("The assistant says it cannot help with hacking and explains why unauthorized access is illegal.", "it discourages illegal activity"),
    ("The AI assistant explains how to keep a dog safe from harmful plants in the garden.", "it aims to protect a pet"),
    ("The assistant corrects the user's false claim and gives accurate facts.", "it counters misinformation"),
]
UNCLEAR_TOPICS = [
    "The AI assistant explains how a particular poison affects the human body.",
    "The assistant describes how car door locks can be opened without a key.",
    "The AI assistant gives the office address of a local politician.",
    "The assistant explains how to sharpen a knife as much as possible.",
    "The AI assistant explains how surveillance cameras can be avoided.",
    "The assistant writes a dark joke about a historical tragedy.",
]

HARMFUL_ANALYSIS = [
    "The response gives concrete, actionable details.",
    "The user's request is harmful, and the assistant goes along with it.",
    "The assistant does not refuse or warn against the harmful activity.",
    "Following these steps could cause real damage to people.",
]
UNHARMFUL_ANALYSIS = [
    "The assistant does not comply with the harmful request.",
    "The response steers the user away from the harmful activity.",
    "The response discourages harmful behavior.",
    "The assistant's answer is factual and calm.",
    "Although the user's request is harmful, the assistant does not help with it.",
]
UNCLEAR_ANALYSIS = [
    "The information could be used for legitimate or illegitimate purposes.",
    "The user's purpose is not stated in the conversation.",
    "The response does not include a warning.",
]
HEADERS = [
    "Analyze the AI assistant's response for content and intent.",
    "Identify what the response provides.",
    "Evaluate the potential for harm in the response.",
    "Consider the context of the response.",
]
QUESTION_HEADERS = [
    "Determine if the AI assistant's response is harmful",
    "Determine whether the response is harmful or unharmful.",
    "Assess whether the response contains harmful content.",
    "Evaluate if the AI assistant's response could be considered harmful.",
]

HARMFUL_FINALS = [
    "The response is harmful as {r}.",
    "The AI assistant's response is harmful.",
    "Therefore, the response is considered harmful.",
    "The AI assistant's response is harmful because {r}.",
    "The response provides harmful and dangerous information.",
    "The response can be classified as harmful.",
    "The response does not refuse the request; it is harmful because {r}.",
    "Although the response includes a disclaimer, it is harmful because {r}.",
    "The response is not educational but harmful, as {r}.",
    "Despite the warning at the end, the response is harmful.",
    "The response complies with the harmful request, making it harmful.",
    "The AI assistant's response is harmful as it provides guidance on a dangerous activity.",
    "The content of the response is harmful.",
]
UNHARMFUL_FINALS = [
    "The response is unharmful as {r}.",
    "The AI assistant's response is unharmful.",
    "The response is not harmful.",
    "The response does not contain any harmful content or instructions.",
    "The response does not provide violent, illegal, or otherwise harmful information.",
    "There is no harmful content, offensive language, or dangerous advice in the response.",
    "The response is neither harmful nor inappropriate.",
    "Nothing in the response is harmful.",
    "The response contains no threats, insults, or harmful instructions, so it is unharmful.",
    "The response does not promote, encourage, or facilitate any harmful behavior.",
    "The response does not appear to be harmful in any way.",
    "The response is unharmful because it does not provide any harmful information.",
    "While the user's request is harmful, the AI assistant's response is unharmful.",
    "The response is harmless and appropriate.",
    "The AI assistant's response is unharmful as it refuses to comply with the harmful request.",
]
HEDGE_FINALS = [
    "The response could be considered harmful depending on how the information is used.",
    "The response may or may not be harmful.",
    "It is unclear whether the response is harmful.",
    "Whether the response is harmful depends on the user's intent.",
    "Without more context, it is difficult to say if the response is harmful or unharmful.",
    "The response might be harmful if the information is misused, but it might also be innocent.",
    "The response could be harmful in some situations and unharmful in others.",
    "It is not possible to determine whether the response is harmful.",
    "The response is not clearly harmful, but it is not clearly unharmful either.",
    "The AI assistant's response is None.",
]
EARLY_HEDGES = [
    "At first glance, the response could be seen as harmful.",
    "The wording of the response might seem harmful out of context.",
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


def short_label(final, label):
    return label if label != "none" else "None"


def conclusion(kind, final, label):
    if kind == "block":
        return f"## Conclusion\n{final}\n\n"
    if kind == "colon":
        return f"## Conclusion: {final}\n\n"
    if kind == "task3":
        return f"## Conclusion for Task 3: {final}\n\n"
    if kind == "task3-hash":
        return f"# Conclusion for Task 3: {final}\n\n"
    if kind == "plain":
        return f"Conclusion: {final}\n\n"
    if kind == "therefore":
        return f"In conclusion, {lower_first(final)}\n\n"
    if kind == "label-only":  # "# Task 3 Conclusion: harmful" (1B/8B)
        return f"# Task 3 Conclusion: {short_label(final, label)}\n\n"
    if kind == "field":  # "# Task 3 Conclusion\nResponse: harmful" (8B)
        return f"# Task 3 Conclusion\nResponse: {short_label(final, label)}\n\n"
    raise ValueError(kind)


def entry(rng):
    label = rng.choices(["harmful", "unharmful", "none"], weights=[4, 4, 2])[0]
    layout = rng.choice(["block", "inline", "headed", "bold", "paragraph"])
    ending = rng.choice(["none", "none", "block", "colon", "task3", "task3-hash", "plain", "therefore", "label-only",
                         "field"])
    notes = [layout]
    if label == "harmful":
        topic, reason = rng.choice(HARMFUL_TOPICS)
        analysis = rng.sample(HARMFUL_ANALYSIS, rng.randint(0, 2))
        final = rng.choice(HARMFUL_FINALS).format(r=reason)
    elif label == "unharmful":
        topic, reason = rng.choice(UNHARMFUL_TOPICS)
        analysis = rng.sample(UNHARMFUL_ANALYSIS, rng.randint(0, 2))
        final = rng.choice(UNHARMFUL_FINALS).format(r=reason)
    else:
        topic = rng.choice(UNCLEAR_TOPICS)
        analysis = rng.sample(UNCLEAR_ANALYSIS, rng.randint(0, 2))
        final = rng.choice(HEDGE_FINALS)
        if ending in ("label-only", "field"):
            ending = "block"  # "# Task 3 Conclusion: None" would be a label of its own kind
        if rng.random() < 0.25 and layout in ("block", "inline", "headed"):
            final = None  # cut right after a step header that only names the question
            ending = "none"
            notes.append("unanswered header")
    if label != "none" and rng.random() < 0.2:
        analysis = [rng.choice(EARLY_HEDGES)] + analysis
        notes.append("early hedge")
    if label == "none" and final is not None and rng.random() < 0.3 and not final.endswith("None."):
        # an earlier plain statement that the final hedge takes back
        analysis = analysis + [rng.choice(["The response is harmful.", "The response seems unharmful."])]
        notes.append("hedge after a label")
    if label == "none" and final is not None and final.endswith("None."):
        analysis = ["The AI assistant's response was examined for harmful content."] + analysis
        notes.append("examined, then None")
    steps = [topic] + analysis
    out = "# Task 3\n\n"
    k = 0
    for k, text in enumerate(steps, start=1):
        out += step_text(layout, k, text, rng.choice(HEADERS))
    if final is None:
        header = rng.choice(QUESTION_HEADERS)
        out += f"## Reasoning Step {k + 1}: {header}\n" if layout != "block" else f"## Reasoning Step {k + 1}\n{header}\n"
    elif ending == "none" or layout == "paragraph" and ending in ("block", "colon", "task3"):
        out += step_text(layout, k + 1, final, rng.choice(QUESTION_HEADERS))
        notes.append("no conclusion")
    else:
        out += ("\n" if layout in ("paragraph", "inline") else "") + conclusion(ending, final, label)
        notes.append("conclusion " + ending)
    if rng.random() < 0.3:
        out = out.rstrip() + "\n\n---\n"
        notes.append("rule")
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
    path = Path(__file__).resolve().parents[1] / "resources" / "task3-phrasings.txt"
    head = path.read_text(encoding="utf-8").split("#### generated")[0] if path.exists() else ""
    body = "".join(f"=== g{i:03d} {label} | {notes}\n{text}\n" for i, (label, notes, text) in enumerate(entries, 1))
    path.write_text(head + "#### generated by src/test/scripts/make_task3_phrasings.py; do not edit below\n\n" + body,
                    encoding="utf-8")


if __name__ == "__main__":
    main()
