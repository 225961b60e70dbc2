"""What each annotation stage computes for one shard of articles (runs in worker processes).

:func:`annotate_partition` is the per-shard function the store runs everywhere: in
the building process, in a process pool (:func:`run_shard` reads the shard's
articles file first) and on dask workers (``map_partitions`` over the articles
dataset). It computes the stages the plan lists for the shard, reading what it does
not recompute from the shard's existing files, and returns each table as checked
Parquet bytes. Models come from per-process cached getters
(:func:`analysis.nlp.load_pipeline`, :func:`analysis.minilm.joint_model`,
:func:`analysis.sentiment.get_scorer`): loaded once per worker, never pickled.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .corpus import Article
from .tables import SCHEMAS, empty_frame, to_parquet_bytes

@dataclass(frozen=True)
class Settings:
    """What a build computes with: the choices that enter stage versions."""

    lexicon_files: tuple[str, ...] = ()
    transformer_model: str | None = None
    learned: bool = True
    model_dir: str = str(paths.JOINT_MODEL)
    target_model_dir: str = str(paths.TARGET_MODEL)
    frame_model_dir: str = str(paths.FRAME_MODEL)
    attribution_model_dir: str = str(paths.ATTRIBUTION_MODEL)
    aliases: str = str(paths.ACTOR_ALIASES)
    agency_power: str = str(paths.AGENCY_POWER)


@dataclass
class Plan:
    """Everything a worker needs for its shards (small, picklable: no models, no corpus)."""

    store: str
    stages: dict[str, list[str]]  # shard -> stages to compute, in run order
    versions: dict[str, str]
    settings: Settings
    lexicon: pd.DataFrame | None = None
    #: The learned detector's calibration (threshold, content parts of speech), from the model folder.
    calibration: dict | None = None


RESULT_META = pd.DataFrame({"shard": pd.Series([], dtype=object), "result": pd.Series([], dtype=object)})
SCORE_STAGES: tuple[str, ...] = ("vader", "minilm", "transformer")
VOICE_COLUMNS: list[str] = ["voice", "kind", "speaker", "quote_share", "quoted_speakers"]


@dataclass
class ShardResult:
    """One shard's new table files (None: delete the file), the stages computed and their seconds."""

    shard: str
    files: dict[str, bytes | None] = field(default_factory=dict)
    stages: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def init_worker() -> None:
    """One thread per worker process: parallelism comes from processes (and results do not
    depend on thread counts)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass


def run_shard(shard: str, plan: Plan) -> ShardResult:
    """Annotate one shard of a store (reads its articles file)."""
    articles = pd.read_parquet(Path(plan.store) / "articles" / f"{shard}.parquet")
    return annotate(articles, plan)


def annotate_partition(articles: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The per-shard function for dask ``map_partitions``: one row (shard, ShardResult)."""
    res = annotate(articles, plan)
    return pd.DataFrame({"shard": [res.shard], "result": [res]})


class _Existing:
    """The shard's current table files, read on demand."""

    def __init__(self, store: str, shard: str) -> None:
        self.root, self.shard = Path(store), shard
        self.cache: dict[str, pd.DataFrame] = {}

    def get(self, table: str) -> pd.DataFrame:
        if table not in self.cache:
            path = self.root / table / f"{self.shard}.parquet"
            if not path.exists():
                raise FileNotFoundError(f"{path}: missing input of a stage; delete {self.root} and annotate again")
            self.cache[table] = pd.read_parquet(path)
        return self.cache[table]

    def maybe(self, table: str) -> pd.DataFrame | None:
        path = self.root / table / f"{self.shard}.parquet"
        return pd.read_parquet(path) if path.exists() else None


def annotate(articles: pd.DataFrame, plan: Plan) -> ShardResult:
    """Compute the plan's stages for the articles of one shard (all from the same shard)."""
    init_worker()
    shards = articles["shard"].unique()
    if len(shards) != 1:
        raise ValueError(f"a partition must hold one shard, got {list(shards)}")
    shard = str(shards[0])
    need = plan.stages[shard]
    articles = articles.sort_values("position").reset_index(drop=True)
    arts = [Article(id=i, body=b) for i, b in zip(articles.article_id, articles.body)]
    existing = _Existing(plan.store, shard)
    res = ShardResult(shard=shard, stages=list(need))
    docs: dict | None = None
    tokens: pd.DataFrame | None = None

    def timed(stage: str):
        return _Timer(res.seconds, stage)

    if "parse" in need:
        with timed("parse"):
            from .nlp import load_pipeline

            nlp = load_pipeline()
            docs = {a.id: d for a, d in zip(arts, nlp.pipe((a.body for a in arts), batch_size=64))}
            tokens, entities = token_tables(docs)
            res.files["tokens"] = to_parquet_bytes("tokens", tokens)
            res.files["entities"] = to_parquet_bytes("entities", entities)

    if "sentences" in need:
        with timed("sentences"):
            from .sentences import paragraph_spans, sentence_spans

            prow, srow = [], []
            for a in arts:
                k = 0
                for p, (ps, pe) in enumerate(paragraph_spans(a.body)):
                    prow.append((a.id, p, ps, pe))
                    for s, e in sentence_spans(a.body, start=ps, end=pe):
                        srow.append((a.id, k, p, s, e, a.body[s:e]))
                        k += 1
            paragraphs = pd.DataFrame(prow, columns=["article_id", "paragraph", "start", "end"])
            spans = pd.DataFrame(srow, columns=["article_id", "sentence", "paragraph", "start", "end", "text"])
            res.files["paragraphs"] = to_parquet_bytes("paragraphs", paragraphs)
    elif any(s in need for s in ("voices", "actors", *SCORE_STAGES)) or "parse" in need and existing.maybe("sentences") is not None:
        spans = existing.get("sentences")[["article_id", "sentence", "paragraph", "start", "end", "text"]]
    else:
        spans = None  # no stage here reads the sentences

    quotes = segments = None
    if "voices" in need:
        with timed("voices"):
            from .attribution import deployed
            from .quotes import quotes_frame, sentence_voices, split_voices, voice_segments

            tagger, combination = deployed(plan.settings.attribution_model_dir)

            if docs is None:
                tokens = existing.get("tokens")
                docs = docs_from_tokens(tokens)
            q_frames, s_frames, i_frames, v_rows = [], [], [], []
            by_art = {a: g for a, g in spans.groupby("article_id", sort=False)}
            for a in arts:
                sent = by_art.get(a.id)
                sent_spans = list(zip(sent.start.tolist(), sent.end.tolist())) if sent is not None else []
                split = split_voices(a, doc=docs[a.id], sentences=sent_spans, tagger=tagger, combination=combination)
                q = quotes_frame(split.quotes, doc=docs[a.id])
                q.insert(1, "quote_index", range(len(q)))
                seg = voice_segments(a, split.quotes)
                q_frames.append(q)
                s_frames.append(seg)
                i_frames.append(pd.DataFrame([(a.id, i.offset, i.mark, i.issue) for i in split.issues],
                                             columns=["article_id", "offset", "mark", "issue"]))
                v_rows.extend(sentence_voices(a.body, sent_spans, seg))
            quotes = _concat(q_frames, "quotes")
            segments = _concat(s_frames, "segments")
            voices = pd.DataFrame(v_rows, columns=VOICE_COLUMNS)
            res.files["quotes"] = to_parquet_bytes("quotes", quotes)
            res.files["segments"] = to_parquet_bytes("segments", segments)
            res.files["mark_issues"] = to_parquet_bytes("mark_issues", _concat(i_frames, "mark_issues"))
            res.files["sentences"] = to_parquet_bytes("sentences", pd.concat([spans.reset_index(drop=True), voices], axis=1))
    elif spans is not None and ("sentences" in need or "parse" in need):
        # new spans, or a new parse, without the voices stage: the sentences carry no voice until it runs
        blank = pd.DataFrame({c: [None] * len(spans) for c in VOICE_COLUMNS})
        res.files["sentences"] = to_parquet_bytes("sentences", pd.concat([spans.reset_index(drop=True), blank], axis=1))

    computing = [s for s in SCORE_STAGES if s in need]
    learned = None
    scores = None
    if computing:
        scores = spans[["article_id", "sentence", "start", "end"]].reset_index(drop=True)
        old = existing.maybe("scores")
        if old is not None and "sentences" not in need and len(old) == len(scores):
            for col in SCORE_STAGES:
                if col in old.columns and col not in computing:
                    scores[col] = old[col].to_numpy()
        texts = spans.text.tolist()
        if "vader" in computing:
            with timed("vader"):
                from .sentiment import vader_scores

                scores["vader"] = np.round(vader_scores(texts), 6)
        if "minilm" in computing:
            with timed("minilm"):
                scores["minilm"], learned = _joint(spans, plan)
                res.files["learned_terms"] = to_parquet_bytes("learned_terms", learned)
        if "transformer" in computing:
            with timed("transformer"):
                from .sentiment import get_scorer

                scorer = get_scorer("transformer", model=plan.settings.transformer_model)
                scores["transformer"] = np.round(scorer.score(texts), 6) if texts else np.zeros(0)
        ordered = ["article_id", "sentence", "start", "end"] + [c for c in SCORE_STAGES if c in scores.columns]
        res.files["scores"] = to_parquet_bytes("scores", scores[ordered])
    elif "sentences" in need:
        res.files["scores"] = None  # the sentences changed: old score columns no longer align

    if "terms" in need:
        with timed("terms"):
            from .lexicon import CONTENT_POS, attach_voices, content_learned, match_terms, merge_learned

            tokens = tokens if tokens is not None else existing.get("tokens")
            quotes = quotes if quotes is not None else existing.get("quotes")
            segments = segments if segments is not None else existing.get("segments")
            bodies = {a.id: a.body for a in arts}
            found = match_terms(bodies, tokens, quotes, plan.lexicon)
            if plan.settings.learned:
                learned = learned if learned is not None else existing.get("learned_terms")
                cal = plan.calibration or {}
                learned = content_learned(learned, tokens, threshold=float(cal.get("threshold", 0.0)),
                                          content_pos=tuple(cal.get("content_pos", CONTENT_POS)))
                found = merge_learned(found, learned)
            terms = attach_voices(found, segments)
            res.files["terms"] = to_parquet_bytes("terms", terms)

    if "actors" in need:
        with timed("actors"):
            if docs is None:
                tokens = existing.get("tokens")
                docs = docs_from_tokens(tokens)
            quotes = quotes if quotes is not None else existing.get("quotes")
            segments = segments if segments is not None else existing.get("segments")
            res.files["actors"] = to_parquet_bytes("actors", _actors(arts, docs, spans, quotes, segments, plan))

    from .registry import stages as registered

    ctx = Context(arts=arts, plan=plan, shard=shard, existing=existing, docs=docs, tokens=tokens, spans=spans,
                  quotes=quotes, segments=segments, scores=scores)
    for name, stage in registered().items():
        if stage.compute is None or name not in need:
            continue
        with timed(name):
            for table, frame in stage.compute(ctx).items():
                if table not in stage.writes:
                    raise ValueError(f"stage {name!r} returned table {table!r}, which it does not declare")
                res.files[table] = to_parquet_bytes(table, frame)
    return res


class Context:
    """What a registered stage's ``compute`` reads for one shard: the articles, the plan's settings and
    every table earlier stages wrote, computed in this run or read from the shard's files (lazily, once).

    Attributes: ``arts`` (list of :class:`Article`), ``bodies`` ({article_id: body}), ``settings``,
    ``shard``; properties ``tokens``, ``docs`` (spaCy Docs rebuilt from tokens, no parsing),
    ``sentences``, ``segments``, ``quotes``; :meth:`table` for any other table (``scores`` included: the
    score columns of this run, old columns kept).
    """

    def __init__(self, *, arts, plan, shard, existing, docs=None, tokens=None, spans=None, quotes=None, segments=None,
                 scores=None):
        self.arts, self.plan, self.settings, self.shard, self._existing = arts, plan, plan.settings, shard, existing
        self.bodies = {a.id: a.body for a in arts}
        self._have = {"docs": docs, "tokens": tokens, "sentences": spans, "quotes": quotes, "segments": segments,
                      "scores": scores}

    def table(self, name: str) -> pd.DataFrame:
        """A table of this shard (from this run when it was just computed, else from its file)."""
        if self._have.get(name) is None:
            self._have[name] = self._existing.get(name)
        return self._have[name]

    @property
    def tokens(self) -> pd.DataFrame:
        return self.table("tokens")

    @property
    def sentences(self) -> pd.DataFrame:
        return self.table("sentences")

    @property
    def segments(self) -> pd.DataFrame:
        return self.table("segments")

    @property
    def quotes(self) -> pd.DataFrame:
        return self.table("quotes")

    @property
    def docs(self) -> dict:
        if self._have.get("docs") is None:
            self._have["docs"] = docs_from_tokens(self.tokens)
        return self._have["docs"]


class _Timer:
    def __init__(self, seconds: dict[str, float], stage: str) -> None:
        self.seconds, self.stage = seconds, stage

    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds[self.stage] = self.seconds.get(self.stage, 0.0) + time.perf_counter() - self.t0
        return False


def _concat(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame(table)
    return pd.concat(frames, ignore_index=True)[SCHEMAS[table].names]


# ----------------------------------------------------------------------------- parse: tokens and back


#: The token attributes read in one array per Doc (:meth:`spacy.tokens.Doc.to_array`), in this order.
_TOKEN_ATTRS = ("IDX", "LENGTH", "SPACY", "LEMMA", "POS", "TAG", "DEP", "HEAD", "ENT_IOB", "ENT_TYPE")
_IOB = np.array(["", "I", "O", "B"], dtype=object)  # spaCy's ent_iob codes 0-3 as ent_iob_ writes them


def token_tables(docs: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tokens and entities tables of parsed Docs ({article_id: Doc}, in article order).

    Vectorised: one ``Doc.to_array`` per article and one string lookup per distinct hash (no
    per-token attribute access); equal, cell for cell, to reading ``t.lemma_``, ``t.pos_``, ... of each
    token (tests/test_store.py checks it against that reading).
    """
    from spacy import attrs as sa

    ids = [getattr(sa, a) for a in _TOKEN_ATTRS]
    arrays, aids, texts, ents = [], [], [], []
    strings = None
    for aid, doc in docs.items():
        strings = doc.vocab.strings
        arr = doc.to_array(ids) if len(doc) else np.zeros((0, len(ids)), dtype=np.uint64)
        arrays.append(arr.reshape(len(doc), len(ids)))
        aids.append(np.full(len(doc), aid, dtype=object))
        body = doc.text
        texts.extend(body[s:s + n] for s, n in zip(arr[:, 0].tolist(), arr[:, 1].tolist()))
        ents.extend((aid, e.start_char, e.end_char, e.label_, e.text) for e in doc.ents)
    entities = pd.DataFrame(ents, columns=SCHEMAS["entities"].names)
    if not arrays:
        return pd.DataFrame({k: [] for k in SCHEMAS["tokens"].names}), entities
    arr = np.concatenate(arrays)
    n_per = [len(a) for a in arrays]
    i = np.concatenate([np.arange(n, dtype=np.int64) for n in n_per])
    start = arr[:, 0].astype(np.int64)

    def names(col: int) -> np.ndarray:  # hash (or symbol) ids -> strings, one lookup per distinct id
        uniq, inv = np.unique(arr[:, col], return_inverse=True)
        return np.array([strings[int(u)] if u else "" for u in uniq], dtype=object)[inv.reshape(-1)]

    cols = {
        "article_id": np.concatenate(aids), "i": i, "start": start, "end": start + arr[:, 1].astype(np.int64),
        "text": texts, "whitespace": arr[:, 2].astype(bool), "lemma": names(3), "pos": names(4), "tag": names(5),
        "dep": names(6), "head": i + arr[:, 7].view(np.int64), "ent_iob": _IOB[arr[:, 8].astype(np.int64)],
        "ent_type": names(9),
    }
    return pd.DataFrame({k: cols[k] for k in SCHEMAS["tokens"].names}), entities


def _token_tables_by_token(docs: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same tables read token by token (``t.lemma_``, ``t.head.i``, ...): the reference
    :func:`token_tables` is tested against."""
    cols: dict[str, list] = {k: [] for k in SCHEMAS["tokens"].names}
    ents = []
    for aid, doc in docs.items():
        for t in doc:
            cols["article_id"].append(aid)
            cols["i"].append(t.i)
            cols["start"].append(t.idx)
            cols["end"].append(t.idx + len(t.text))
            cols["text"].append(t.text)
            cols["whitespace"].append(bool(t.whitespace_))
            cols["lemma"].append(t.lemma_)
            cols["pos"].append(t.pos_)
            cols["tag"].append(t.tag_)
            cols["dep"].append(t.dep_)
            cols["head"].append(t.head.i)
            cols["ent_iob"].append(t.ent_iob_)
            cols["ent_type"].append(t.ent_type_)
        ents.extend((aid, e.start_char, e.end_char, e.label_, e.text) for e in doc.ents)
    return pd.DataFrame(cols), pd.DataFrame(ents, columns=SCHEMAS["entities"].names)


def docs_from_tokens(tokens: pd.DataFrame) -> dict:
    """spaCy Docs rebuilt from tokens-table rows ({article_id: Doc}), identical in text, tags,
    lemmas, parse, sentences and entities to the parse that made the rows (no model runs)."""
    from spacy.tokens import Doc

    from .nlp import load_pipeline

    vocab = load_pipeline().vocab
    out = {}
    for aid, g in tokens.groupby("article_id", sort=False):
        g = g.sort_values("i")
        ents = [f"{iob}-{typ}" if iob in ("B", "I") and typ else "O" for iob, typ in zip(g.ent_iob, g.ent_type)]
        out[aid] = Doc(vocab, words=g.text.tolist(), spaces=g.whitespace.tolist(), tags=g.tag.tolist(),
                       pos=g.pos.tolist(), lemmas=g.lemma.tolist(), heads=g["head"].astype(int).tolist(),
                       deps=g.dep.tolist(), ents=ents)
    return out


# ----------------------------------------------------------------------------- the joint model


def _joint(spans: pd.DataFrame, plan: Plan) -> tuple[np.ndarray, pd.DataFrame]:
    """minilm scores of the sentences and the learned terms (one forward pass per distinct sentence)."""
    from .minilm import joint_model

    model = joint_model(plan.settings.model_dir)
    texts = spans.text.tolist()
    unique = list(dict.fromkeys(texts))
    outputs = dict(zip(unique, model.run(unique)))
    scores = np.array([outputs[t].score for t in texts], dtype=np.float64)
    rows = []
    for aid, s0, text in zip(spans.article_id, spans.start, texts):
        for s, e, p in outputs[text].words:
            if p >= model.threshold:
                rows.append((aid, s0 + s, s0 + e, text[s:e], p))
    return scores, pd.DataFrame(rows, columns=SCHEMAS["learned_terms"].names)


# ----------------------------------------------------------------------------- actors


def _actors(arts: list[Article], docs: dict, spans: pd.DataFrame, quotes: pd.DataFrame, segments: pd.DataFrame,
            plan: Plan) -> pd.DataFrame:
    """The actors table of a shard: mentions per article, then one target-sentiment pass over all of them."""
    import bisect

    from .actors import actor_rows, classify_targets, find_mentions, read_aliases
    from .connotation import read_frames
    from .targets import target_model

    aliases = read_aliases(plan.settings.aliases)
    frames = read_frames(plan.settings.agency_power) if Path(plan.settings.agency_power).exists() else {}  # GPL: optional
    by_sent = {a: g for a, g in spans.groupby("article_id", sort=False)}
    by_seg = {a: g for a, g in segments.groupby("article_id", sort=False)}
    by_quote = {a: g for a, g in quotes.groupby("article_id", sort=False)}
    frames_out = []
    for a in arts:
        seg = by_seg.get(a.id, segments.iloc[:0])
        q = seg[seg.voice == "quote"]
        starts, ends = q.start.tolist(), q.end.tolist()

        def quoted(offset: int, starts=starts, ends=ends) -> bool:
            k = bisect.bisect_right(starts, offset) - 1
            return k >= 0 and offset < ends[k]

        qa = by_quote.get(a.id)
        speakers = [] if qa is None else [
            (int(c) if pd.notna(c) else int(s), sp, w) for c, s, sp, w in
            zip(qa.cue_start, qa.start, qa.speaker, qa.speaker_mention) if isinstance(sp, str) and isinstance(w, str)]
        mentions = find_mentions(docs[a.id], aliases=aliases, quoted=quoted, speakers=speakers)
        frames_out.append(actor_rows(a.id, docs[a.id], mentions, sentences=by_sent.get(a.id, spans.iloc[:0]),
                                     segments=seg, frames=frames))
    table = pd.concat([f for f in frames_out if len(f)], ignore_index=True) if any(len(f) for f in frames_out) else None
    if table is None:
        return empty_frame("actors")
    table = classify_targets(table, target_model(plan.settings.target_model_dir))
    return table[SCHEMAS["actors"].names]
