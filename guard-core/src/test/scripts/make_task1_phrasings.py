#!/usr/bin/env python3
"""Generates the template part of src/test/resources/task1-phrasings.txt (entries g001...).

Each entry combines a layout, a description of the request, analysis steps, and a final statement whose true label
is known: harmful, unharmful, or none (a hedge or an unanswered question, from which a careful reader could not tell
the label). The hand-written entries (h001...) come first in the resource file; this script rewrites only the part
after the line "#### generated". Run from guard-core: python3 src/test/scripts/make_task1_phrasings.py
"""
import random
import re
from pathlib import Path

SEED = 20250130
COUNT = 180

HARMFUL_TOPICS = [
    ("The human user is asking for step-by-step instructions to build an explosive device.", "it could lead to serious injury or death"),
    ("The user wants to know how to steal someone's identity using their social security number.", "it facilitates identity theft"),
    ("The human user requests a message that harasses a classmate about their weight.", "it promotes bullying and harassment"),
    ("The user asks how to buy illegal drugs online without being traced.", "it seeks to facilitate illegal drug purchases"),
    ("The human user's request involves writing propaganda that glorifies a terrorist group.", "it promotes violent extremism"),
    ("The user is asking for ways to hack into their partner's email account.", "it involves unauthorized access to private accounts"),
    ("The user asks for a plan to cheat elderly people out of their savings.", "it promotes fraud against vulnerable people"),
    ("The human user asks how to hurt themselves without anyone noticing.", "it involves self-harm"),
    ("The user asks for a fake review campaign to ruin a competitor's business.", "it involves deception and defamation"),
    ("The user requests a list of slurs to use against a religious group.", "it promotes hate speech"),
    ("The human user asks how to disable the smoke detectors in an apartment building before starting a fire.", "it could endanger many lives"),
    ("The user asks for a way to secretly record a coworker in the bathroom.", "it violates privacy and is illegal"),
]
UNHARMFUL_TOPICS = [
    ("The human user is asking for a recipe for banana bread.", "it is a common cooking question"),
    ("The user wants to know how photosynthesis works.", "it seeks scientific knowledge"),
    ("The human user greets the assistant and asks how it is doing.", "it is a friendly greeting"),
    ("The user asks for tips on learning to play the guitar.", "it is about a hobby"),
    ("The user asks for a plot summary of a classic novel.", "it is a literary question"),
    ("The human user asks how to set up a monthly budget.", "it seeks financial planning advice"),
    ("The user wants suggestions for a hiking trail near Denver.", "it is about outdoor recreation"),
    ("The user asks for help debugging a Python function that sorts a list.", "it is a programming question"),
    ("The user asks about the harmful effects of UV light on the skin.", "it seeks health information"),
    ("The user asks how to keep their dog safe from harmful plants in the garden.", "it aims to protect a pet"),
    ("The human user asks how to kill weeds in their vegetable garden.", "it is a gardening question"),
    ("The user asks for the history of the Roman Colosseum.", "it is a history question"),
]
UNCLEAR_TOPICS = [
    "The user asks how a particular poison affects the human body.",
    "The user asks how to get into a locked car.",
    "The user asks for the home address of a local politician.",
    "The user's message is only the word \"continue\".",
    "The user asks how to make a knife as sharp as possible.",
    "The human user asks which websites sell prescription medication without a prescription.",
    "The user asks how surveillance cameras can be avoided.",
    "The human user writes: \"you know what to do with them\".",
]

HARMFUL_ANALYSIS = [
    "This involves illegal activity and could cause serious harm to others.",
    "Such actions violate the law and put people at risk.",
    "The intent appears to be to cause damage or to gain an unfair advantage.",
    "Providing this information could be used to hurt real people.",
]
UNHARMFUL_ANALYSIS = [
    "This is a common request for general information.",
    "There is nothing unusual about this request.",
    "The topic is everyday and educational.",
    "The user seems to be curious or looking for practical help.",
]
UNCLEAR_ANALYSIS = [
    "The request lacks context about the user's purpose.",
    "The information could be used for legitimate or illegitimate purposes.",
    "The user's intent is not stated.",
]
HEADERS = [
    "Analyze the user's request for content and intent.",
    "Identify the intent behind the request.",
    "Evaluate the potential for harm.",
    "Consider the context of the request.",
]
QUESTION_HEADERS = [
    "Determine if the request could be considered harmful",
    "Determine whether the request is harmful or unharmful.",
    "Assess whether the request contains harmful content or intentions.",
    "Evaluate if the request is harmful.",
]

HARMFUL_FINALS = [
    "The request is harmful as {r}.",
    "The human user's request is harmful.",
    "Therefore, the request is considered harmful.",
    "This request is harmful because {r}.",
    "The request promotes harmful and illegal behavior.",
    "The request can be classified as harmful.",
    "Such a request is inherently harmful.",
    "The request does not seek general information; it is harmful because {r}.",
    "Although the request is phrased politely, it is harmful.",
    "The request is not educational but harmful, as {r}.",
    "The request is harmful, and providing the information would not be appropriate.",
    "The user's intent is harmful.",
    "The request does not ask a neutral question, but it seeks harmful information.",
    "Based on this, the request should be classified as harmful.",
]
UNHARMFUL_FINALS = [
    "The request is unharmful as {r}.",
    "The human user's request is unharmful.",
    "The request is not harmful.",
    "The request does not contain any harmful content or intent.",
    "The request does not involve violence, illegal activity, or anything harmful.",
    "There is no harmful intent, offensive language, or dangerous content in the request.",
    "The message does not include any harmful wording, calls for harmful acts, or anything that might be read as harmful.",
    "The request is neither harmful nor inappropriate.",
    "Nothing about the request is harmful.",
    "The request contains no threats, insults, or harmful instructions, so it is unharmful.",
    "The request does not promote, encourage, or facilitate any harmful behavior.",
    "The request does not appear to be harmful in any way.",
    "It is a benign request without harmful, offensive, or illegal elements.",
    "The request is harmless and appropriate.",
    "The request is unharmful because it does not involve any harmful or dangerous activity.",
    "Therefore, the request is not considered harmful.",
]
HEDGE_FINALS = [
    "The request could be considered harmful depending on the context.",
    "The request may be seen as harmful or not, depending on the user's intent.",
    "It is unclear whether the request is harmful.",
    "Whether the request is harmful depends on why the user is asking.",
    "Without further context, it is difficult to say if the request is harmful or unharmful.",
    "The request might be harmful if the information is misused, but it might also be innocent.",
    "The request may or may not be harmful.",
    "The request could be harmful in some situations and unharmful in others.",
    "It is not possible to determine whether the request is harmful.",
    "The request is potentially harmful or unharmful depending on the intent.",
    "It is hard to tell if the request is harmful.",
    "The request is not clearly harmful, but it is not clearly unharmful either.",
]
# A hedge in an earlier step, then a plain statement: the plain statement decides.
EARLY_HEDGES = [
    "At first glance, the request could be seen as harmful.",
    "The wording might seem harmful out of context.",
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


def conclusion(kind, final):
    if kind == "none":
        return None
    if kind == "block":
        return f"## Conclusion\n{final}\n\n"
    if kind == "colon":
        return f"## Conclusion: {final}\n\n"
    if kind == "task1":
        return f"## Conclusion for Task 1: {final}\n\n"
    if kind == "plain":
        return f"Conclusion: {final}\n\n"
    if kind == "therefore":
        return f"In conclusion, {lower_first(final)}\n\n"
    raise ValueError(kind)


def entry(rng):
    label = rng.choices(["harmful", "unharmful", "none"], weights=[4, 4, 2])[0]
    layout = rng.choice(["block", "inline", "headed", "bold", "paragraph"])
    ending = rng.choice(["none", "none", "block", "colon", "task1", "plain", "therefore"])
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
        if rng.random() < 0.25 and layout in ("block", "inline", "headed"):
            final = None  # cut right after a step header that only names the question
            ending = "none"
            notes.append("unanswered header")
    if label != "none" and rng.random() < 0.2:
        analysis = [rng.choice(EARLY_HEDGES)] + analysis
        notes.append("early hedge")
    if label == "none" and rng.random() < 0.3 and final is not None:
        # an earlier plain statement that the final hedge takes back
        analysis = analysis + [rng.choice(["The request is harmful.", "The request seems unharmful."])]
        notes.append("hedge after a label")
    steps = [topic] + analysis
    out = "# Task 1\n\n"
    k = 0
    for k, text in enumerate(steps, start=1):
        out += step_text(layout, k, text, rng.choice(HEADERS))
    if final is None:
        header = rng.choice(QUESTION_HEADERS)
        out += f"## Reasoning Step {k + 1}: {header}\n" if layout != "block" else f"## Reasoning Step {k + 1}\n{header}\n"
    elif ending == "none" or layout == "paragraph" and ending in ("block", "colon", "task1"):
        out += step_text(layout, k + 1, final, rng.choice(QUESTION_HEADERS))
        notes.append("no conclusion")
    else:
        out += ("\n" if layout == "paragraph" else "") + conclusion(ending, final)
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
    path = Path(__file__).resolve().parents[1] / "resources" / "task1-phrasings.txt"
    head = path.read_text(encoding="utf-8").split("#### generated")[0] if path.exists() else ""
    body = "".join(f"=== g{i:03d} {label} | {notes}\n{text}\n" for i, (label, notes, text) in enumerate(entries, 1))
    path.write_text(head + "#### generated by src/test/scripts/make_task1_phrasings.py; do not edit below\n\n" + body,
                    encoding="utf-8")


if __name__ == "__main__":
    main()
