"""Every number that ranks passages or picks an answer, each with where it came from.

Retrieval (index/retrieve.py) and answering (assistant/extractive.py, assistant/answer.py)
read them from here, so a re-tune is one edit made next to its evidence. The module lives
in index/ because index/ may not import assistant/, while assistant/ reads index/.

"Set by hand" means no benchmark chose the value: it was written with the code that uses
it (commits bcd4706 "Ingestion foundation", 0bb5ecf "Extractive answerer", e1279dc
"Targets extraction, weighted fusion") and `make test`'s quality thresholds (README,
"Quality") have held with it since. Change a value only with a measurement, and record
the command and its result here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fusion:
    """Weighted reciprocal rank fusion of the dense (Chroma) and lexical (BM25) rankings.

    `rrf_k`, `dense` and `lexical` were chosen by benchmarks/fusion.py (its docstring has
    the command): every RRF k in 1-60 and dense weight in 0.2-1.5, lexical fixed at 1, on
    the bundled set (tests/data/qa.jsonl) and UIT (1,225 questions). Of the settings at
    least as good as the better half alone on hit@1, hit@5 and MRR on both sets, k=2 with
    dense 0.4 has the best total MRR. With it `assistant eval` gives hybrid hit@1 / hit@5 /
    MRR of 0.989 / 1.000 / 0.995 on the bundled set and 0.847 / 0.991 / 0.910 on UIT
    (README, "Quality"); plain RRF (k=60, equal weights) and the previous k=5, dense 0.6
    were one question behind BM25 alone on the bundled set (README, "Retrieval and answers").

    `pool`, how many candidates each half contributes before fusion: set by hand (bcd4706);
    benchmarks/fusion.py tuned the weights with this pool, so change them together.
    """

    rrf_k: int = 2
    dense: float = 0.4
    lexical: float = 1.0
    pool: int = 40


@dataclass(frozen=True)
class Bm25:
    """BM25 (Lucene's form): term-frequency saturation `k1` and length normalization `b`.

    bm25s' defaults, with which the lexical half ran when benchmarks/fusion.py tuned FUSION
    and README "Quality" was measured. The tantivy index (index/lexical.py) scores its
    candidates with them so that those figures hold: with tantivy's own k1 = 1.2 the
    bundled set's MRR fell from 0.995 to 0.993 (`assistant eval tests/data/qa.jsonl`).
    """

    k1: float = 1.5
    b: float = 0.75


@dataclass(frozen=True)
class Retrieval:
    """Which documents a province question prefers, and how many passages one may ask for.

    `about`: a document is "about" the provinces among the first `about` it names (by
    mention count); later mentions are asides. Set by hand (bcd4706).

    `max_k`: the most passages a question may retrieve: the settings refuse a larger k, the
    web app's slider stops there and its API clamps to it. Set by hand: the slider's bound
    since the first app (an extractive answer reads at most three sentences, and the list of
    related passages past 20 is not read); the API's earlier clamp at 50 was a second bound.
    """

    about: int = 2
    max_k: int = 20


@dataclass(frozen=True)
class SentenceScore:
    """How the extractive answerer scores a sentence of a retrieved passage.

    A sentence's score is its coverage (the share of the question's topic weight, by
    rarity, that it holds), plus `phrase` x the share of the question's word pairs it
    holds, plus `intent` x the share of what the question asks for (a figure, a date, a
    document number, a name) that it holds, plus `rank` / (1 + its passage's rank), plus
    `province` when its document is about a province the question names. A heading (the
    title, or a line of at most `heading_words` words without a figure or closing
    punctuation) has the whole score multiplied by `heading`.

    `phrase`, `intent`, `province`: set by hand (bcd4706). `rank`: set by hand at 0.1
    (bcd4706), raised to 0.2 with the filling of issue #14 (Selection `budget`): the
    retrieval order then breaks the ties among close sentences that filling picks from.
    Replaying both sets' retrieved passages with rank 0.1-0.4: 0.15 and 0.1 leave the
    bundled set one question lower, 0.3 and 0.4 lower UIT key facts (0.863, 0.860) and
    cites a right source (0.973, 0.969). `assistant eval` (with `budget` 800, `filler`
    0.75), rank 0.1 -> 0.2: tests/data/qa.jsonl key facts 0.914 -> 0.925 (85 -> 86 of 93);
    ../shared/data/uit-qa/questions.jsonl key facts 0.860 -> 0.864, cites a right source
    0.978 -> 0.977; abstentions unchanged on both. `heading`,
    `heading_words`: set by hand (e1279dc), when headings that repeat the question's
    words were outranking the sentences that answer it.

    `dense` x the sentence's cosine to the question (multilingual-e5, query prompt for the
    question, passage prompt for the sentence), min-max scaled among the question's
    candidates, is added before the heading factor, whenever the answerer is given those
    cosines (`closeness`); runners-up are still judged on the score without it
    (assistant/extractive.py `select`). Chosen by replaying the answerer
    over each set's retrieved passages with dense 0-2, keeping the bundled set's every
    measure and taking the issue #14 analysis' weight of about 1. `assistant eval`, with
    each question's sentences embedded at question time (passage prompt), on
    ../shared/data/uit-qa/questions.jsonl (1,225): key facts 0.780 -> 0.807 (dense 0.25
    0.791, 0.5 0.798, 0.75 0.802, 1.25 0.810, 1.5 0.812), cites a right source 0.903 ->
    0.924; on tests/data/qa.jsonl (139) key facts stay 0.882 at every weight, short answers
    given fall 54.8% -> 53.8% at 1.5. With runners-up judged on the full score instead,
    the bundled set lost a question at dense 0.3-2 (a best sentence's full dense bonus
    pushed a completing runner-up below `runner_up`).
    """

    phrase: float = 0.3
    intent: float = 0.15
    rank: float = 0.2
    province: float = 0.15
    heading: float = 0.5
    heading_words: int = 12
    dense: float = 1.0


@dataclass(frozen=True)
class Selection:
    """Which of the scored sentences make the answer, and when to abstain instead.

    `sentences`: the answer is the best sentence plus runners-up, at most this many in all;
    `runner_up`: a runner-up must score at least this share of the best one and hold a
    question term the chosen ones lack. Both set by hand (bcd4706).

    Besides (assistant/extractive.py `select`, issue #14): when the best sentence holds
    nothing of what the question asks for (a figure, a date, a document number, a name)
    and the sentence right after it does, that one follows it. `assistant eval`:
    tests/data/qa.jsonl key facts 0.882 -> 0.892, ../shared/data/uit-qa/questions.jsonl
    0.807 -> 0.807 (988 -> 989 of 1,225); nothing else moved. Taking it also when the best
    holds part of what is asked gained nothing more and cost a bundled short answer (a
    second date beside the first).

    `budget`, `filler`: after those, the next best sentences by score join the answer
    while it has under `sentences` sentences, each scoring at least `filler` of the best
    and the answer staying within `budget` characters: on UIT the sentence holding the
    answer was second to fifth by score in 132 of the 213 answered misses. The issue #14
    analysis' 800 characters; `filler` by replaying both sets with 0.5-0.8 (UIT key facts
    0.869 at 0.5, 0.863 at 0.7, 0.860 at 0.75, 0.856 at 0.8, the ends without the rule
    above; median answer over all answered UIT questions 503, 383, 343, 298 characters)
    and taking the shortest answers that keep the bundled set's gain; budgets 700-850
    give the same bundled key facts, 900 one question fewer (a long sentence takes the
    place of the answering one). `assistant eval` over the rule above: tests/data/qa.jsonl
    key facts 0.892 -> 0.914, median answer (answered answerable questions) 305 -> 344
    characters; UIT key facts 0.807 -> 0.860, cites a right source 0.923 -> 0.978, median
    211 -> 343; abstention accuracy (0.906, 0.980), false abstentions (2, 24), short
    answers holding the key facts on the bundled set (95.7%) unchanged.

    Chosen sentences that neighbour each other in a passage (only white space between)
    are quoted as one span, in the document's order: a fact told over two sentences
    reads whole only without a marker between them. `assistant eval`: UIT key facts
    0.864 -> 0.869, short answers holding the key facts 51.9% -> 51.4% (as many given);
    the bundled set, abstentions and citation integrity (1.000) unchanged.

    `min_coverage`, `lone_syllable`: the answerer abstains when no passage it may answer
    from holds `min_coverage` of the question's topic weight, where a syllable counts fully
    only when a word pair of the question holding it stands in the passage and
    `lone_syllable` of its weight when it stands there alone (assistant/coverage.py), or
    when a "bao nhiêu X" question finds no number of X. Chosen by replaying the answerer
    over each set's retrieved passages (min_coverage 0.2-0.4, lone_syllable 0.3-0.7, with
    and without the unit check), keeping a setting that improves every measure of both
    sets over the previous rule (syllable coverage >= 0.4, accent-blind stopwords), and of
    those the best bundled abstention. With it, `assistant eval tests/data/qa.jsonl`
    (139 questions, 46 unanswerable): key facts 0.871 -> 0.882, abstention accuracy
    0.827 -> 0.878, false abstentions 4 -> 2; `assistant eval
    ../shared/data/uit-qa/questions.jsonl --db .data/uit` (1,225): key facts 0.777 ->
    0.780, abstention accuracy 0.968 -> 0.980, false abstentions 39 -> 24. Rejected:
    0.2 / 0.5 (UIT 0.783 and 15 false abstentions, but bundled abstention only 0.849);
    0.25 / 0.5 and 0.3 / 0.5 (UIT key facts 0.775 and 0.769); requiring a question word
    pair in some passage (UIT false abstentions 54).

    `min_cosine`: given the cosines, the answerer also abstains when no sentence it may
    answer from has this cosine to the question (e5, query and passage prompts): every
    question word can stand in passages about something else. Chosen by replaying both
    sets with 0.78-0.83: 0.80 and 0.81 change no UIT answer and turn 3 and 4 of the bundled
    set's 15 missed abstentions into abstentions without a false one; 0.82 falsely
    abstains on 2 bundled questions. 0.80 keeps a margin below the closest answerable
    bundled question (0.812). `assistant eval tests/data/qa.jsonl`: abstention accuracy
    0.878 -> 0.899, false abstentions 2 -> 2.

    Embedding the sentences at question time cost more than the latency budget (warm p95
    on the bundled corpus 62 -> 360-410 ms), so they are embedded at ingestion and stored
    (index/sentence_vectors.py): each sentence on its own, which kept bundled abstention
    0.899 where pooling the chunk pass's token states gave 0.878
    (`benchmarks/sentence_vectors.py`, results/sentence-vectors.json).

    `typo_from`, `measure_gap` (assistant/coverage.py): a name or code the question
    writes as one (PCI, ChatGPT, 5G) must stand in a passage, allowing one typo from
    `typo_from` letters (UIT asks "THCP" and "TPHP" for its documents' "TCHP"; three-letter
    acronyms are too close to one another); a measure asked with nothing counted
    ("công suất bao nhiêu") needs a number at most `measure_gap` words after it ("đạt
    khoảng 20%"). Both set by hand, then measured with the other abstention changes of
    4fcb818: `assistant eval tests/data/qa.jsonl` abstention accuracy 0.906 -> 0.957, key
    facts 0.882 -> 0.903; UIT key facts 0.807 -> 0.807, false abstentions 24 -> 23.

    `related`: how many nearest passages an abstention lists as reading. Set by hand.
    """

    sentences: int = 3
    runner_up: float = 0.8
    budget: int = 800
    filler: float = 0.75
    min_coverage: float = 0.25
    lone_syllable: float = 0.6
    min_cosine: float = 0.80
    typo_from: int = 4
    measure_gap: int = 2
    related: int = 3


FUSION = Fusion()
BM25 = Bm25()
RETRIEVAL = Retrieval()
SENTENCE_SCORE = SentenceScore()
SELECTION = Selection()
