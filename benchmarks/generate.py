"""Generate a deterministic governance site of N entities, per the content contract.

    python benchmarks/generate.py 10000 /tmp/bench-10k

Every kind is present and cross-linked (front-matter references and `[[kind:id]]`
body links), bodies are realistic Swedish prose of about 600 words, and the same
N always gives the same bytes (a fixed random seed), so figures are comparable.
Also `--plain N DIR` writes N plain Markdown pages (front matter + ~600 words,
no references) for the comparison with other generators (compare.py).
"""
from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

# Shares of the entities per kind (the rest goes to risks).
SHARES = {"units": 0.04, "principles": 0.01, "missions": 0.10, "arenas": 0.08, "plans": 0.07,
          "sources": 0.25, "pages": 0.10}

SUBJECTS = ["Kultur- och fritidsenheten", "Tillväxtnämnden", "Förvaltningen", "Ledningsgruppen",
            "Kommunstyrelsen", "Socialnämnden", "Barn- och utbildningsnämnden", "Samhällsbyggnadsförvaltningen",
            "Enheten", "Nämnden", "Kommunen", "Föreningslivet", "Medarbetarna", "Verksamheten"]
VERBS = ["följer upp", "bedömer", "redovisar", "analyserar", "prioriterar", "samordnar", "planerar",
         "genomför", "utvärderar", "dokumenterar", "stärker", "utvecklar", "granskar", "förbättrar"]
OBJECTS = ["den interna kontrollen", "riskbedömningen", "verksamhetsplanen", "grunduppdraget",
           "utbudet av kultur- och fritidsaktiviteter", "samverkan med föreningar", "tillitsbaserad styrning",
           "budgetens fördelning", "medborgarnas delaktighet", "måluppfyllelsen", "kvaliteten i tjänsterna",
           "arbetsmiljön", "ledningssystemet", "uppföljningen av indikatorer", "dialogen med invånarna"]
TAILS = ["under året", "två gånger per år", "enligt styrmodellen", "inför nästa budgetperiod",
         "i dialog med medarbetarna", "med stöd av förvaltningens analys", "utifrån tidigare erfarenheter",
         "tillsammans med externa parter", "på ett transparent sätt", "med fokus på helheten",
         "för att stärka tilliten", "när förutsättningarna förändras"]
HEADINGS = ["Bakgrund", "Bedömning", "Uppföljning", "Ansvar och roller", "Samverkan", "Möjlig väg framåt",
            "Resultat", "Analys"]
PARTNER_TYPES = ["förening", "näringsliv", "polis", "myndighet", "region", "medborgare"]


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}."


def body(rng: random.Random, refs: list[str], words: int = 600) -> str:
    """Swedish prose of about `words` words in paragraphs under headings, with the given
    body references ("risk:x") spread over it."""
    refs = list(refs)
    parts, count, paragraph = [], 0, []
    heading = 0
    while count < words:
        sentence = _sentence(rng)
        if refs and rng.random() < 0.25:
            ref = refs.pop()
            sentence = sentence[:-1] + (f" ([[{ref}]])." if rng.random() < 0.5 else f" (se [underlaget]({ref})).")
        paragraph.append(sentence)
        count += len(sentence.split())
        if len(paragraph) >= rng.randint(4, 7):
            parts.append(_wrap(" ".join(paragraph)))
            paragraph = []
            if rng.random() < 0.3:
                parts.append(f"## {HEADINGS[heading % len(HEADINGS)]}")
                heading += 1
            elif rng.random() < 0.15:
                parts.append("\n".join(f"- {_sentence(rng)}" for _ in range(3)))
    if paragraph:
        parts.append(_wrap(" ".join(paragraph)))
    if refs:
        parts.append("Se även " + ", ".join(f"[[{r}]]" for r in refs) + ".")
    return "\n\n".join(parts) + "\n"


def _wrap(text: str, width: int = 78) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join(lines + [line])


def counts(n: int) -> dict[str, int]:
    result = {kind: max(3, int(n * share)) for kind, share in SHARES.items()}
    result["risks"] = max(3, n - sum(result.values()))
    return result


def _ids(kind: str, count: int) -> list[str]:
    stem = {"units": "enhet", "principles": "princip", "missions": "uppdrag", "arenas": "arena",
            "plans": "plan", "sources": "kalla", "pages": "sida", "risks": "risk"}[kind]
    return [f"{stem}-{i:05d}" for i in range(count)]


def _yaml_list(values) -> str:
    return "[" + ", ".join(values) + "]"


SITE_YAML = """title: Styrning och kontroll – prestandatest
organisation: Testkommunen
language: sv
base_url: https://example.github.io/bench/
description: Genererat innehåll för att mäta govsites byggtider.
contact: {email: kommunen@example.se, phone: "0581-810 00"}
"""


def generate(n: int, out: Path, words: int = 600) -> dict[str, int]:
    rng = random.Random(n)
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    content = out / "content"
    ids = {kind: _ids(kind, c) for kind, c in counts(n).items()}
    ids["pages"][0] = "index"
    for kind in ids:
        (content / kind).mkdir(parents=True)
    (content / "site.yaml").write_text(SITE_YAML, encoding="utf-8")

    def pick(kind, k):
        return sorted(set(rng.sample(ids[kind], min(k, len(ids[kind])))))

    def ref(kind):
        singular = {"units": "unit", "principles": "principle", "missions": "mission", "arenas": "arena",
                    "plans": "plan", "sources": "source", "pages": "page", "risks": "risk"}[kind]
        return f"{singular}:{rng.choice(ids[kind])}"

    def write(kind, entity_id, front: str, refs):
        title = f"{rng.choice(OBJECTS).capitalize()} {entity_id.split('-')[-1]}"
        text = (f"---\ntitle: {title}\nsummary: {_sentence(rng)}\nupdated: 2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}\n"
                f"{front}---\n{body(rng, refs, words)}")
        (content / kind / f"{entity_id}.md").write_text(text, encoding="utf-8")

    for i, unit in enumerate(ids["units"]):
        parent = f"parent: {ids['units'][(i - 1) // 4]}\n" if i else ""
        kind_name = ["nämnd", "förvaltning", "enhet"][min(2, i // 4)]
        write("units", unit, f"{parent}type: {kind_name}\n", [ref("principles")])
    for i, principle in enumerate(ids["principles"]):
        write("principles", principle, f"order: {i + 1}\n", [ref("sources")])
    for mission in ids["missions"]:
        write("missions", mission, f"unit: {rng.choice(ids['units'])}\nprinciples: {_yaml_list(pick('principles', 2))}\n"
              f"sources: {_yaml_list(pick('sources', 2))}\n", [ref("units"), ref("sources")])
    for risk in ids["risks"]:
        controls = "".join(f"  - title: Kontroll {c + 1}\n    method: {rng.choice(VERBS).capitalize()} {rng.choice(OBJECTS)}\n"
                           f"    frequency: {rng.choice(TAILS)}\n    responsible: {rng.choice(SUBJECTS)}\n"
                           f"    reported_to: {rng.choice(SUBJECTS)}\n" for c in range(rng.randint(1, 3)))
        write("risks", risk, f"unit: {rng.choice(ids['units'])}\nprobability: {rng.randint(1, 4)}\n"
              f"severity: {rng.randint(1, 4)}\nowner: {rng.choice(SUBJECTS)}\n"
              f"status: {rng.choice(['open', 'mitigating', 'accepted', 'closed'])}\n"
              f"missions: {_yaml_list(pick('missions', 2))}\nsources: {_yaml_list(pick('sources', 2))}\n"
              f"controls:\n{controls}", [ref("missions"), ref("sources"), ref("risks")])
    for arena in ids["arenas"]:
        year = rng.randint(2020, 2027)
        partners = "".join(f"  - name: {rng.choice(SUBJECTS)}\n    type: {rng.choice(PARTNER_TYPES)}\n" for _ in range(2))
        write("arenas", arena, f"starts: {year}-03-01\nends: {year}-11-30\nrisks: {_yaml_list(pick('risks', 2))}\n"
              f"missions: {_yaml_list(pick('missions', 2))}\nunits: {_yaml_list(pick('units', 1))}\n"
              f"principles: {_yaml_list(pick('principles', 1))}\npartners:\n{partners}",
              [ref("risks"), ref("missions")])
    for plan in ids["plans"]:
        goals = "".join(f"  - id: mal-{g + 1}\n    title: {rng.choice(OBJECTS).capitalize()}\n"
                        f"    missions: {_yaml_list(pick('missions', 2))}\n    risks: {_yaml_list(pick('risks', 2))}\n"
                        f"    indicator: {_sentence(rng)}\n    target: {_sentence(rng)}\n"
                        f"    status: {rng.choice(['not-started', 'ongoing', 'done'])}\n    progress: {rng.randint(0, 100)}\n"
                        for g in range(rng.randint(1, 4)))
        write("plans", plan, f"unit: {rng.choice(ids['units'])}\nadopted_by: {ids['units'][0]}\n"
              f"period: {{start: 2024-01-01, end: 2024-12-31}}\nadopted: 2023-12-12\ngoals:\n{goals}",
              [ref("missions"), ref("units"), f"plan:{plan}#mal-1"])
    for source in ids["sources"]:
        write("sources", source, f"publisher: {rng.choice(SUBJECTS)}\ndate: 2023-0{rng.randint(1, 9)}-15\n"
              f"url: https://example.se/dokument/{source}.pdf\n", [])
    for i, page in enumerate(ids["pages"]):
        nav = f"order: {i}\nnav: true\n" if i < 5 else ""
        write("pages", page, nav, [ref("risks"), ref("plans"), ref("arenas")])
    return {kind: len(v) for kind, v in ids.items()}


def generate_plain(n: int, out: Path, words: int = 600) -> None:
    """N plain Markdown pages (front matter + prose), as compare.py feeds every generator."""
    rng = random.Random(n)
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for i in range(n):
        text = (f"---\ntitle: Sida {i}\ndate: 2024-01-{i % 28 + 1:02d}\nsummary: {_sentence(rng)}\n---\n\n"
                f"{body(rng, [], words)}")
        (out / f"sida-{i:05d}.md").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--plain", action="store_true", help="plain pages for compare.py")
    parser.add_argument("--words", type=int, default=600)
    args = parser.parse_args()
    if args.plain:
        generate_plain(args.n, args.out, args.words)
        print(f"{args.n} plain pages in {args.out}")
    else:
        print(generate(args.n, args.out, args.words))


if __name__ == "__main__":
    main()
