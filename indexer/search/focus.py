"""The condition gazetteer of a generation: which focus (condition) a query names.

Every focus key's names (the focus and its synonyms, analysed) are matched against the query's
terms by idf-weighted coverage; names compete where they share terms, and a name that is an
acronym counts only when typed in capitals. `indexer.search.plan` boosts the records about
the conditions found.

The names also say which conditions are narrower variants of others: a condition one of whose
names holds every word of another condition's name and more ("acquired X" of "X") is its
narrower variant (`FocusIndex.broader_of`, read from the generation's names once); plan prefers
the general condition when a query does not type the narrower one's extra words.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from indexer.index.ranking import RankData
from indexer.index.terms import ACRONYM_MAX
from indexer.text.analysis import stem
from indexer.text.spelling import most_frequent_english
from indexer.text.synonyms import phrase_starts

FOCUS_MIN_MASS = 2.5  # idf mass of a focus name for a full boost (single common words get less)
FOCUS_MIN_NAME_MASS = 2.0  # names made only of common words ("disease") are ignored
FOCUS_COVERAGE_EXP = 1.0
NICKNAME_WORD_SHARE = 0.5  # a one-word other name whose records are mostly about other
COMMON_ENGLISH_SHARE = 0.05  # things, among the most frequent 5% of English words and in
NICKNAME_MAX_DF_SHARE = 0.01  # at most 1% of the records: a nickname, not a name
FOCUS_RIVAL_FLOOR = 0.7  # names compete for the query where they share terms, and every
# name with whatever covers the most of the query scaled by this (1: all names compete)


class FocusIndex:
    """The names (focus and synonyms) of every focus key, as term ids, for coverage
    matching against a query."""

    def __init__(self, data: RankData) -> None:
        self.data = data
        keys: list[int] = []
        tids: list[int] = []
        ptr = [0]
        acronyms = data.acronym_keys()
        caps: list[bool] = []
        self.nicknames = nicknames(data)
        for phrase, fids in data.gazetteer.items():
            ids = [data.term_id(t) for t in dict.fromkeys(phrase.split())]
            if not ids or any(i is None for i in ids) or phrase in self.nicknames:
                continue
            for k in fids:
                keys.append(k)
                tids.extend(ids)  # type: ignore[arg-type]
                ptr.append(len(tids))
                caps.append(acronyms is None or phrase in acronyms)
        self.keys = np.asarray(keys, dtype=np.int64)
        self.tids = np.asarray(tids, dtype=np.int64)
        self.ptr = np.asarray(ptr, dtype=np.int64)
        self.phrase_of = np.repeat(np.arange(len(keys)), np.diff(self.ptr))
        # "Acronymic" names: every word short or a number, written in capitals ("MED",
        # "GSD VI", "MED 1"; not "Gout" or "Ear wax"); they count only when one of their
        # words was typed in capitals.
        vocab = data.vocab
        short_tok = np.fromiter(
            (len(vocab[t]) <= ACRONYM_MAX or vocab[t].isdigit() for t in self.tids),
            dtype=bool, count=len(self.tids),
        )
        n_phr = len(keys)
        long_count = np.bincount(self.phrase_of[~short_tok], minlength=n_phr)
        self.acronymic = (long_count == 0) & np.asarray(caps, dtype=bool)
        self.short_tok = short_tok
        n_keys = len(data.focus_keys)
        self.alive = (data.focus_count > 0) if len(data.focus_count) == n_keys else np.ones(
            n_keys, bool
        )
        self.dead = np.flatnonzero(~self.alive)
        # Per generation, what every query would otherwise recompute: the name entries of
        # each term (term id -> entry indices, ascending: a CSR table over `tids`), the idf
        # weight of every entry and the idf mass of every name.
        n_terms = len(data.vocab)
        self.term_ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.tids, minlength=n_terms), out=self.term_ptr[1:])
        self.term_entries = np.argsort(self.tids, kind="stable")
        idf = name_idf(data)
        self.w = idf[self.tids]
        self.total = np.bincount(self.phrase_of, weights=self.w, minlength=len(keys))
        self.starts = phrase_starts(data.gazetteer)  # for `find_synonyms`
        self._pack_broader(self._broader(idf), n_keys)
        # the rows of each focus key (ascending; a CSR table: a query's boost reads the rows
        # of the few keys it boosts, not the key of every candidate row)
        with_key = np.flatnonzero(data.focus >= 0)
        self.key_rows = with_key[np.argsort(data.focus[with_key], kind="stable")].astype(
            np.int32)
        self.key_row_ptr = np.zeros(n_keys + 1, dtype=np.int64)
        np.cumsum(np.bincount(data.focus[with_key], minlength=n_keys), out=self.key_row_ptr[1:])

    def _broader(self, idf: np.ndarray) -> dict[int, list[tuple[frozenset[int], frozenset[int]]]]:
        """Per narrower focus key: (a broader key's name, the extra terms) pairs, as term id
        sets. Key B is narrower than key A when a name of B holds every term of a name of A
        and more (the extra terms: what a query types to mean B), A's name is not made of
        common words only (FOCUS_MIN_NAME_MASS) nor an acronym, every name of B holding it
        adds terms of that idf mass too (a name that only adds "syndrome" names the same
        condition), and no name of A is in turn narrower than a name of B (other names of
        one condition cross). `idf`: per vocabulary term."""
        tids, bounds = self.tids.tolist(), self.ptr.tolist()
        names = [frozenset(tids[bounds[i]:bounds[i + 1]]) for i in range(len(self.keys))]
        keys, alive = self.keys.tolist(), self.alive.tolist()
        general = np.flatnonzero((self.total >= FOCUS_MIN_NAME_MASS) & ~self.acronymic
                                 & self.alive[self.keys]).tolist()
        df = np.diff(self.term_ptr)
        ptr, entries, phrase_of = self.term_ptr, self.term_entries, self.phrase_of
        pairs: dict[tuple[int, int], set[tuple[frozenset[int], frozenset[int]]]] = {}
        for i in general:
            a, name_a = keys[i], names[i]
            rare = min(name_a, key=df.__getitem__)
            for j in set(phrase_of[entries[ptr[rare]:ptr[rare + 1]]].tolist()):
                b, name_b = keys[j], names[j]
                if b != a and alive[b] and name_a < name_b:
                    pairs.setdefault((b, a), set()).add((name_a, name_b - name_a))
        out: dict[int, list[tuple[frozenset[int], frozenset[int]]]] = {}
        for (b, a), found in sorted(pairs.items()):
            if (a, b) not in pairs and min(idf[list(extra)].sum() for _, extra in found
                                           ) >= FOCUS_MIN_NAME_MASS:
                out.setdefault(b, []).extend(sorted(found, key=lambda p: sorted(p[0] | p[1])))
        return out

    def entries(self, tids: Any) -> tuple[np.ndarray, np.ndarray]:
        """(entries, which) of the names containing each of `tids`: entry indices in
        ascending order (as `np.flatnonzero` of a mask over `self.tids` gives them) and the
        position in `tids` of the term of each entry."""
        ptr, entries = self.term_ptr, self.term_entries
        last = len(ptr) - 1  # (terms past the gazetteer's vocabulary have no entries)
        q = np.asarray(tids, dtype=np.int64).reshape(-1).tolist()
        spans = [(int(ptr[t]), int(ptr[t + 1])) if 0 <= t < last else (0, 0) for t in q]
        lens = [b - a for a, b in spans]
        parts = [entries[a:b] for a, b in spans if b > a]
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        if len(parts) == 1:  # one term's entries: ascending already
            return parts[0], np.full(len(parts[0]), next(i for i, n in enumerate(lens) if n),
                                     dtype=np.int64)
        ent = np.concatenate(parts)
        which = np.arange(len(q), dtype=np.int64).repeat(lens)
        order = ent.argsort(kind="stable")
        return ent[order], which[order]

    @staticmethod
    def narrow(found: tuple[np.ndarray, np.ndarray], tids: list[int], subset: list[int]
               ) -> tuple[np.ndarray, np.ndarray]:
        """`entries(subset)` from `found = entries(tids)`, when every term of `subset` is
        one of `tids` (fewer array operations than looking them up again)."""
        ent, which = found
        at = {t: i for i, t in enumerate(subset)}
        moved = np.fromiter((at.get(t, -1) for t in tids), dtype=np.int64, count=len(tids))
        now = moved[which]
        keep = now >= 0
        return ent[keep], now[keep]

    def match(self, idf_of_tid: dict[int, float], upper: frozenset[int] = frozenset(),
              found: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Score in [0, 1] per focus key: best idf-weighted coverage of one of its names by
        the query terms, scaled down for names of little idf mass (one common word). A name
        that is one short word (an acronym: "MED", "ODD") counts only when typed in capitals
        (term ids in `upper`). `found`: `entries(list(idf_of_tid))`, when known."""
        n_keys = len(self.data.focus_keys)
        out = np.zeros(n_keys, np.float32)
        if not len(self.tids) or not idf_of_tid:
            return out
        ent, which = found if found is not None else self.entries(list(idf_of_tid))
        if not len(ent):
            return out
        qw = np.fromiter(idf_of_tid.values(), dtype=np.float64, count=len(idf_of_tid))
        meant = qw[which]  # how much the query means each term
        ent_ph = self.phrase_of[ent]
        # Entries of one name are contiguous, so the names of ascending entries are sorted:
        # work over the names touched (`local`: the touched name of each entry), not over
        # every name of the gazetteer.
        first = np.empty(len(ent_ph), dtype=bool)
        first[0] = True
        np.not_equal(ent_ph[1:], ent_ph[:-1], out=first[1:])
        touched = ent_ph[first]
        local = first.cumsum() - 1
        covered = np.bincount(local, weights=self.w[ent] * meant, minlength=len(touched))
        total = self.total[touched]
        is_cand = (covered > 0) & (total >= FOCUS_MIN_NAME_MASS)
        if is_cand.any() and self.acronymic[touched[is_cand]].any():
            allowed = ~self.acronymic[touched]
            if upper:  # (no word typed in capitals: no acronymic name counts)
                up, _ = self.entries(sorted(upper))
                allowed[_positions_in(touched, self.phrase_of[up[self.short_tok[up]]])] = True
            is_cand &= allowed
        if not is_cand.any():
            return out
        cov_c = covered[is_cand]
        cov = cov_c / np.maximum(total[is_cand], 1e-9)
        share = cov_c / self._rival_mass(is_cand, local, which, covered)
        mass = np.minimum(1.0, cov_c / FOCUS_MIN_MASS)
        if FOCUS_COVERAGE_EXP != 1.0:
            cov = cov**FOCUS_COVERAGE_EXP
        score = (cov * share * mass).astype(np.float32)
        np.maximum.at(out, self.keys[touched[is_cand]], score)
        if len(self.dead):
            out[self.dead] = 0.0
        return out

    def _rival_mass(self, is_cand: np.ndarray, local: np.ndarray, which: np.ndarray,
                    covered: np.ndarray) -> np.ndarray:
        """Per candidate name, the largest query mass covered by a name sharing a query term
        with it (itself included): "diabetes" competes with "type 2 diabetes" and gets its
        share of it, while "ear wax" and "hydrogen peroxide poisoning", two conditions of one
        question, do not compete (unless one covers far less of the query than the best: a
        lone "pain" beside "ear infection", see FOCUS_RIVAL_FLOOR). Over the names touched
        by the query: `is_cand` and `covered` per touched name, `local` the touched name of
        each entry, `which` the query term of each entry (a small int)."""
        floor = FOCUS_RIVAL_FLOOR * covered[is_cand].max()
        if FOCUS_RIVAL_FLOOR >= 1.0:
            return np.full(int(is_cand.sum()), floor)
        keep = is_cand[local]
        names = local[keep]
        inv = which[keep]  # the query term of each entry
        best = np.zeros(int(inv.max(initial=-1)) + 1, np.float64)
        np.maximum.at(best, inv, covered[names])
        rival = np.zeros(len(covered), np.float64)
        np.maximum.at(rival, names, best[inv])
        return np.maximum(rival[is_cand], max(floor, 1e-9))

    def _pack_broader(self, found: dict[int, list[tuple[frozenset[int], frozenset[int]]]],
                      n_keys: int) -> None:
        """Keep `_broader`'s pairs as flat arrays (per narrower key a range of pairs, per pair
        a range of name terms and of extra terms), so that no Python set outlives the
        computation: sets kept among its freed temporaries held ~16 MB of a process's heap."""
        counts = np.zeros(n_keys, dtype=np.int32)
        names: list[int] = []
        extras: list[int] = []
        name_ptr, extra_ptr = [0], [0]
        for b in sorted(found):
            for name, extra in found[b]:
                names.extend(sorted(name))
                extras.extend(sorted(extra))
                name_ptr.append(len(names))
                extra_ptr.append(len(extras))
                counts[b] += 1
        self.is_narrower = counts > 0
        self.pair_ptr = np.zeros(n_keys + 1, dtype=np.int32)
        np.cumsum(counts, out=self.pair_ptr[1:])
        self.pair_names = np.array(names, dtype=np.int32)
        self.pair_extras = np.array(extras, dtype=np.int32)
        self.pair_name_ptr = np.array(name_ptr, dtype=np.int32)
        self.pair_extra_ptr = np.array(extra_ptr, dtype=np.int32)
        # the pairs by the terms of their names (a CSR table over the terms that some pair's
        # name has): a query reads the pairs of its own terms, not those of every key boosted
        n_pairs = len(name_ptr) - 1
        self.pair_key = np.repeat(np.arange(n_keys, dtype=np.int32), counts)
        pair_of_entry = np.repeat(np.arange(n_pairs, dtype=np.int32),
                                  np.diff(self.pair_name_ptr))
        order = np.argsort(self.pair_names, kind="stable")
        self.name_terms, first = np.unique(self.pair_names[order], return_index=True)
        self.name_term_ptr = np.append(first, len(order)).astype(np.int32)
        self.name_term_pairs = pair_of_entry[order]

    def rows_of_keys(self, keys: np.ndarray) -> np.ndarray:
        """The rows whose focus is one of `keys` (distinct focus keys), key by key."""
        ptr = self.key_row_ptr
        starts = ptr[keys]
        sizes = ptr[keys + 1] - starts
        if len(keys) == 1:
            return self.key_rows[int(starts[0]):int(starts[0] + sizes[0])]
        # the entries of each key: starts[k], ..., starts[k] + sizes[k] - 1
        at = (starts - sizes.cumsum() + sizes).repeat(sizes)
        at += np.arange(len(at))
        return self.key_rows[at]

    def broader_of(self, key: int) -> list[tuple[frozenset[int], frozenset[int]]]:
        """(a broader key's name, the extra terms) pairs of the narrower focus `key`, as term
        id sets (none when `key` is not a narrower variant)."""
        out = []
        for p in range(int(self.pair_ptr[key]), int(self.pair_ptr[key + 1])):
            name = self.pair_names[self.pair_name_ptr[p]:self.pair_name_ptr[p + 1]]
            extra = self.pair_extras[self.pair_extra_ptr[p]:self.pair_extra_ptr[p + 1]]
            out.append((frozenset(name.tolist()), frozenset(extra.tolist())))
        return out

    def narrower_unasked(self, per_key: np.ndarray, asked: frozenset[int]) -> list[int]:
        """The narrower keys boosted in `per_key` (per focus key, > 0: boosted) when the
        query's terms (`asked`) touch a broader key's name and none of the extra terms of
        the narrower name holding it: nothing typed tells the narrower variant apart.
        Ascending. Read from the pairs whose name has an asked term (`name_term_pairs`)."""
        if not asked or not len(self.name_terms):
            return []
        terms = np.fromiter(asked, dtype=self.name_terms.dtype, count=len(asked))
        at = np.minimum(self.name_terms.searchsorted(terms), len(self.name_terms) - 1)
        ptr = self.name_term_ptr
        spans = [(ptr[i], ptr[i + 1]) for i in at[self.name_terms[at] == terms].tolist()]
        if not spans:
            return []
        pairs = np.concatenate([self.name_term_pairs[a:b] for a, b in spans])
        keys = self.pair_key[pairs]
        boosted = per_key[keys] > 0
        out: set[int] = set()
        extra_ptr, extras = self.pair_extra_ptr, self.pair_extras
        for p, b in zip(pairs[boosted].tolist(), keys[boosted].tolist(), strict=True):
            if b not in out and asked.isdisjoint(extras[extra_ptr[p]:extra_ptr[p + 1]].tolist()):
                out.add(b)
        return sorted(out)

    def terms_of_keys(self, tids: Any, is_key: np.ndarray,
                      found: tuple[np.ndarray, np.ndarray] | None = None) -> set[int]:
        """Those of `tids` found in a name of a focus key where `is_key` (bool per key).
        `found`: `entries(tids)`, when known."""
        ent, _ = found if found is not None else self.entries(tids)
        hit = ent[is_key[self.keys[self.phrase_of[ent]]]]
        return set(self.tids[hit].tolist())


NAME_FIELDS = ("question", "title", "answer")


def nicknames(data: RankData) -> frozenset[str]:
    """Other names of conditions that do not name them in a query: one of the most common
    English words (COMMON_ENGLISH_SHARE of the general dictionary, by frequency), not the
    condition's own name, whose records in the corpus are mostly about other things and
    few (NICKNAME_MAX_DF_SHARE): a street name listed once, as "crystal" for
    methamphetamine. A name used mostly for its condition stays a name, and so does a word
    the corpus uses widely ("drugs" for medicines): it belongs to its vocabulary. Read from
    the corpus once per generation."""
    own = set(data.focus_keys)
    words = _common_english_stems()
    counts = data.focus_count
    if len(counts) != len(data.focus_keys):
        return frozenset()
    out = set()
    for phrase, fids in data.gazetteer.items():
        if " " in phrase or phrase in own or phrase not in words:
            continue
        rows = np.unique(np.concatenate([data.postings(f, phrase)[0] for f in NAME_FIELDS]))
        rows = rows[data.live[rows]] if len(rows) else rows
        if len(rows) > NICKNAME_MAX_DF_SHARE * max(data.n_live, 1):
            continue
        about = np.bincount(data.focus[rows][data.focus[rows] >= 0],
                            minlength=len(counts)) if len(rows) else np.zeros(len(counts))
        if all(about[k] < NICKNAME_WORD_SHARE * len(rows) for k in fids):
            out.add(phrase)
    return frozenset(out)


@lru_cache(maxsize=1)
def _common_english_stems() -> frozenset[str]:
    """Stems of the most frequent COMMON_ENGLISH_SHARE of symspellpy's English frequency
    dictionary (empty without it)."""
    return frozenset(stem(w) for w in most_frequent_english(COMMON_ENGLISH_SHARE))


def name_idf(data: RankData) -> np.ndarray:
    """The idf of every vocabulary term, by its largest document frequency in a field that
    names conditions or describes them (the category says the collection and type)."""
    df = np.zeros(len(data.vocab), np.float64)
    for f in ("question", "title", "focus", "answer"):
        iptr = data._inv[f][0]
        df = np.maximum(df, np.diff(iptr))
    n = max(data.n_live, 1)
    return np.log(1.0 + (n - df + 0.5) / (df + 0.5))


def focus_index(data: RankData) -> FocusIndex:
    """The generation's focus index (built on first use, kept with its caches)."""
    caches = data.caches
    if caches.focus_index is None:
        caches.focus_index = FocusIndex(data)
    return caches.focus_index


def _positions_in(ascending: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Positions in `ascending` (sorted, distinct) of those `values` it holds (a boolean mask
    set there equals `np.isin(ascending, values)`, for fewer array passes)."""
    at = ascending.searchsorted(values)
    inside = at < len(ascending)
    at = at[inside]
    return at[ascending[at] == values[inside]]
