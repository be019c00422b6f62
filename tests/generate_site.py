"""A large, valid site of generated content, for deep tests and measurements:
`python tests/generate_site.py DIR 1000` writes DIR/ with about 1,000 entities."""
from __future__ import annotations

import random
import sys
from pathlib import Path

WORDS = ("kultur fritid utbud bredd kvalitet föreningsliv samverkan risk kontroll uppföljning budget "
         "personal lokaler barn unga äldre bibliotek idrott musik konst").split()


def generate(root: Path, n: int = 1000, seed: int = 1) -> Path:
    rnd = random.Random(seed)

    def text(k: int) -> str:
        return " ".join(rnd.choice(WORDS) for _ in range(k))

    def write(kind: str, name: str, front: str, body: str) -> None:
        (root / kind).mkdir(parents=True, exist_ok=True)
        (root / kind / f"{name}.md").write_text(f"---\n{front}---\n{body}\n", "utf-8")

    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text("title: Stor kommun\norganisation: Stora kommunen\nlanguage: sv\n"
                                    "base_url: https://example.github.io/big/\n", "utf-8")
    write("pages", "index", "title: Start\n", "Välkommen.")
    units, missions, risks = max(n // 10, 1), max(n * 3 // 10, 1), max(n * 4 // 10, 1)
    arenas, plans, sources = max(n // 10, 1), max(n // 20, 1), max(n // 20, 1)
    write("principles", "tillit", "title: Tillit\n", text(20))
    for i in range(sources):
        write("sources", f"s{i}", f"title: Källa {i} {text(3)}\nurl: https://example.org/{i}\n"
                                  f"updated: 2024-01-{i % 28 + 1:02d}\n", text(40))
    for i in range(units):
        write("units", f"u{i}", f"title: Enhet {i} {text(2)}\n" + (f"parent: u{i // 5}\n" if i else "")
              + f"updated: 2024-02-{i % 28 + 1:02d}\n", text(60))
    for i in range(missions):
        write("missions", f"m{i}", f"title: Uppdrag {i} {text(3)}\nunit: u{i % units}\nsources: [s{i % sources}]\n"
                                   f"principles: [tillit]\nupdated: 2024-03-{i % 28 + 1:02d}\n",
              f"{text(80)} [[unit:u{(i + 1) % units}]]")
    for i in range(risks):
        write("risks", f"r{i}", f"title: Risk {i} {text(4)}\nsummary: {text(10)}\nunit: u{i % units}\n"
                                f"probability: {i % 4 + 1}\nseverity: {(i // 4) % 4 + 1}\n"
                                f"missions: [m{i % missions}, m{(i * 7 + 1) % missions}]\n"
                                f"controls: [{{title: Kontroll {i}}}]\nupdated: 2024-04-{i % 28 + 1:02d}\n", text(100))
    for i in range(arenas):
        write("arenas", f"a{i}", f"title: Arena {i} {text(3)}\nstarts: 2024-01-01\nends: 2025-01-01\n"
                                 f"risks: [r{i % risks}]\nunits: [u{i % units}]\n", text(60))
    for i in range(plans):
        goals = "".join(f"  - {{id: g{j}, title: Mål {j} {text(3)}, missions: [m{(i + j) % missions}], "
                        f"risks: [r{(i * j) % risks}]}}\n" for j in range(5))
        write("plans", f"p{i}", f"title: Plan {i}\nunit: u{i % units}\ngoals:\n{goals}", text(50))
    return root


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
