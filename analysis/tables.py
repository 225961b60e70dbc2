"""The annotation store's tables: each one's schema (column, Arrow type, meaning, unit), checked on write.

:data:`SCHEMAS` is the one place a table's columns are written down; :func:`to_parquet_bytes`
refuses a frame with a missing, unknown, mistyped or null-where-not-allowed column, naming
the table and column. ``python -m analysis tables`` prints them all (:func:`schema_markdown`).
Offsets (``start``/``end``) are always character offsets into the article body.
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


@dataclass(frozen=True)
class Column:
    """One column of a table: name, Arrow type, meaning and unit."""

    name: str
    type: pa.DataType
    meaning: str
    unit: str = ""
    nullable: bool = True


@dataclass(frozen=True)
class Schema:
    """A table: its columns, the stage that writes it and its sort key."""

    name: str
    doc: str
    stage: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("article_id", "start")
    #: Columns a table may add (the scores table: one float column per scorer).
    optional: tuple[Column, ...] = ()

    def arrow(self, extra: Iterable[str] = ()) -> pa.Schema:
        opt = {c.name: c for c in self.optional}
        cols = list(self.columns) + [opt[n] for n in extra]
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in cols])

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


class SchemaError(ValueError):
    """A frame that does not match its table's schema (names the table and column)."""


S, I32, I64, F64, B = pa.string(), pa.int32(), pa.int64(), pa.float64(), pa.bool_()
_ID = Column("article_id", S, "the article's id", nullable=False)
_START = Column("start", I64, "first character, offset into the article body", "characters", nullable=False)
_END = Column("end", I64, "one past the last character, offset into the article body", "characters", nullable=False)
_VOICE = Column("voice", S, "editorial (the journalist's own words, scare labels included) or quote")
_KIND = Column("kind", S, "quote kind (direct, partial, indirect, embedded_post) or scare; null in plain editorial text")
_SPEAKER = Column("speaker", S, "canonical speaker name within the article; null for editorial text")

SCORERS: tuple[str, ...] = ("vader", "minilm", "transformer")

SCHEMAS: dict[str, Schema] = {s.name: s for s in (
    Schema("articles", "One row per article: metadata, size, content hash and the body itself.", "articles", (
        _ID,
        Column("position", I64, "index of the article in the corpus as loaded (the order of every table)", nullable=False),
        Column("shard", S, "the shard whose files hold the article's rows in every table", nullable=False),
        Column("title", S, "headline"), Column("outlet", S, "publication"),
        Column("date", pa.date32(), "publication date (null when unknown)"),
        Column("url", S, "address of the original"), Column("language", S, "language code"),
        Column("notes", S, "free-text notes from the source (provenance, conversions)"),
        Column("words", I64, "words in the body: runs of word characters joined by ' or -", "words", nullable=False),
        Column("chars", I64, "length of the body", "characters", nullable=False),
        Column("sha256", S, "SHA-256 of the body (UTF-8)", nullable=False),
        Column("source", S, "file (and line) the article was read from"),
        Column("meta", S, "other metadata fields of the source (e.g. bias_text, topic) as a JSON object"),
        Column("body", S, "the body, byte for byte: every offset in every table points into it", nullable=False),
    ), key=("position",)),
    Schema("paragraphs", "Paragraphs: non-blank lines of the body, surrounding whitespace excluded.", "sentences", (
        _ID, Column("paragraph", I32, "paragraph number within the article, from 0", nullable=False), _START, _END,
    ), key=("article_id", "paragraph")),
    Schema("sentences", "Sentences (Punkt + news abbreviations, never across a paragraph) with the voice most of "
           "their non-space characters belong to (the voice columns are written by the voices stage).", "sentences", (
        _ID, Column("sentence", I32, "sentence number within the article, from 0", nullable=False),
        Column("paragraph", I32, "paragraph number", nullable=False), _START, _END,
        Column("text", S, "body[start:end]", nullable=False),
        Column("voice", S, "quote when quoted material covers more than half of the non-space characters, else editorial "
               "(null until the voices stage has run)"),
        Column("kind", S, "kind of the quote covering most of the sentence (quote voice only)"),
        Column("speaker", S, "speaker of the quoted material covering most of the sentence (quote voice only)"),
        Column("quote_share", F64, "share of non-space characters inside quoted material", "fraction 0-1"),
        Column("quoted_speakers", pa.list_(S), "every speaker with quoted material in the sentence, most characters first"),
    ), key=("article_id", "sentence")),
    Schema("tokens", "spaCy tokens (en_core_web_sm): what lexicon matching, actor analysis and Doc rebuilding need.",
           "parse", (
        _ID, Column("i", I32, "token index within the article, from 0", nullable=False), _START, _END,
        Column("text", S, "token text (body[start:end])", nullable=False),
        Column("whitespace", B, "a space follows the token (spaCy whitespace_)", nullable=False),
        Column("lemma", S, "lemma (spaCy rule lemmatizer)"), Column("pos", S, "universal part of speech"),
        Column("tag", S, "Penn Treebank tag"), Column("dep", S, "dependency label (ROOT for a sentence root)"),
        Column("head", I32, "index (i) of the syntactic head; a root is its own head", nullable=False),
        Column("ent_iob", S, "named-entity IOB code: B, I, O or empty"),
        Column("ent_type", S, "named-entity label (PERSON, ORG, GPE, NORP, ...), empty outside entities"),
    ), key=("article_id", "i")),
    Schema("entities", "Named entities found by spaCy.", "parse", (
        _ID, _START, _END, Column("label", S, "entity label", nullable=False), Column("text", S, "body[start:end]", nullable=False),
    )),
    Schema("quotes", "Every quote and label the voice splitter found (keys of the quotes command plus detail).", "voices", (
        _ID, Column("quote_index", I32, "number of the quote within the article (segments refer to it)", nullable=False),
        _KIND, _START, _END, Column("text", S, "body[start:end] (content, quotation marks excluded)", nullable=False),
        _SPEAKER, Column("speaker_mention", S, "the speaker as written"), Column("cue", S, "the cue as written"),
        Column("cue_lemma", S, "lemma of the cue verb ('according to' for that cue), from the parse"),
        Column("cue_start", I64, "offset of the cue verb", "characters"), Column("cue_end", I64, "end of the cue verb", "characters"),
        Column("medium", S, "who relayed the quote (X quoted Y as saying; a post's handle)"),
        Column("addressee", S, "who the speaker told"), Column("method", S, "the rule that attributed it"),
        Column("label", S, "for scare labels: title, name, scare, thought (inner speech) or slogan (chanted, sung); an embedded post's date"),
        Column("unclosed", B, "the quote had no closing mark", nullable=False),
        Column("mark_start", I64, "offset of the opening mark (or the span start)", "characters"),
        Column("mark_end", I64, "offset after the closing mark (or the span end)", "characters"),
    ), key=("article_id", "quote_index")),
    Schema("segments", "Voice segments: a partition of each body, every character in exactly one.", "voices", (
        _ID, _START, _END, Column("voice", S, "editorial or quote", nullable=False), _KIND, _SPEAKER,
        Column("quote_index", I32, "the quote this segment belongs to (null for editorial text)"),
    )),
    Schema("mark_issues", "Quotation marks that could not be paired (reported, never fatal).", "voices", (
        _ID, Column("offset", I64, "offset of the mark", "characters", nullable=False), Column("mark", S, "the mark", nullable=False),
        Column("issue", S, "what is wrong with it", nullable=False),
    ), key=("article_id", "offset")),
    Schema("scores", "Sentence sentiment, one column per scorer, in [-1, 1].", "scores", (
        _ID, Column("sentence", I32, "sentence number (as in the sentences table)", nullable=False), _START, _END,
    ), key=("article_id", "sentence"), optional=(
        Column("vader", F64, "VADER compound score (vaderSentiment, Hutto & Gilbert 2014)", "score -1..1"),
        Column("minilm", F64, "minilm: all-MiniLM-L6-v2 + joint adapter, sentence head (models/minilm-joint)", "score -1..1"),
        Column("transformer", F64, "expected polarity under a Hugging Face classifier's class probabilities", "score -1..1"),
    )),
    Schema("learned_terms", "Words the learned loaded-word detector flags (probability at or above its threshold).",
           "minilm", (
        _ID, _START, _END, Column("text", S, "body[start:end]", nullable=False),
        Column("probability", F64, "probability that experts would mark the word as bias-inducing", "0-1", nullable=False),
    )),
    Schema("terms", "Loaded terms: lexicon matches, scare-quoted labels and learned words, with voice and speaker.",
           "terms", (
        _ID, _START, _END, Column("text", S, "body[start:end]", nullable=False),
        Column("term", S, "the lexicon term (or the label / word itself)", nullable=False),
        Column("category", S, "lexicon category, scare_quote_label or learned", nullable=False),
        Column("match", S, "phrase, lemma, regex, scare quote, or p=… for learned words", nullable=False),
        Column("detector", S, "who found it: lexicon, scare quote, minilm-loaded, or lexicon+minilm-loaded", nullable=False),
        _VOICE, _KIND, _SPEAKER,
        Column("probability", F64, "learned detector's probability when it flagged the span", "0-1"),
    ), key=("article_id", "start", "end")),
    Schema("actors", "Actor mentions (people, organisations, countries, groups) with role, voice, agency/power and "
           "target sentiment (analysis.actors).", "actors", (
        _ID, _START, _END, Column("mention", S, "body[start:end]", nullable=False),
        Column("actor", S, "the actor, per article (alias table, then the article's canonical name)", nullable=False),
        Column("type", S, "person, organisation, country, place or group", nullable=False),
        Column("source", S, "how it was found: ner, alias, pronoun or speaker", nullable=False),
        Column("role", S, "subject, object (incl. passive subject) or other", nullable=False),
        Column("verb", S, "lemma of the verb it is subject or object of"),
        Column("agency", S, "the verb's agency for a subject: positive, negative, equal (Sap et al. 2017)"),
        Column("power", S, "the mention's power over the verb's other argument: higher, lower, equal (Sap et al. 2017)"),
        Column("sentence", I32, "sentence number (null for text between sentences)"),
        _VOICE, _KIND, _SPEAKER,
        Column("polarity", S, "target sentiment: negative, neutral or positive (models/minilm-targets)", nullable=False),
        Column("p_negative", F64, "probability of negative", "0-1", nullable=False),
        Column("p_neutral", F64, "probability of neutral", "0-1", nullable=False),
        Column("p_positive", F64, "probability of positive", "0-1", nullable=False),
        Column("score", F64, "p_positive - p_negative", "score -1..1", nullable=False),
    ), key=("article_id", "start", "end")),
    Schema("skipped", "Inputs refused when the corpus was loaded (counts reconcile: articles + skipped = inputs).",
           "articles", (
        Column("file", S, "file (and line) of the input", nullable=False), Column("line", I64, "line number, 1-based"),
        Column("reason", S, "why it was refused", nullable=False),
    ), key=("file", "line")),
)}

def normalise(name: str, frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table of table ``name``: exact columns, documented types (raises SchemaError)."""
    schema = SCHEMAS[name]
    extra = [c for c in frame.columns if c not in schema.names]
    allowed = {c.name for c in schema.optional}
    unknown = [c for c in extra if c not in allowed]
    missing = [c for c in schema.names if c not in frame.columns]
    if unknown or missing:
        raise SchemaError(f"table {name}: " + "; ".join(
            ([f"unknown column(s) {', '.join(unknown)}"] if unknown else []) +
            ([f"missing column(s) {', '.join(missing)}"] if missing else [])))
    extra = [c.name for c in schema.optional if c.name in frame.columns]
    target = schema.arrow(extra)
    arrays = []
    for fld in target:
        col = frame[fld.name]
        try:
            arrays.append(_to_arrow(col, fld.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
            raise SchemaError(f"table {name}, column {fld.name}: expected {fld.type} ({exc})") from None
        if not fld.nullable and arrays[-1].null_count:
            raise SchemaError(f"table {name}, column {fld.name}: {arrays[-1].null_count} null value(s) in a non-null column")
    return pa.Table.from_arrays(arrays, schema=target)


def _to_arrow(col: pd.Series, typ: pa.DataType) -> pa.Array:
    if pa.types.is_string(typ):
        return pa.array(col.astype(object).to_numpy(), type=typ, from_pandas=True)  # None, NaN and NA become null
    if pa.types.is_list(typ):
        return pa.array([list(v) if isinstance(v, (list, tuple, np.ndarray)) else None for v in col.tolist()], type=typ)
    if pa.types.is_date(typ):
        return pa.array([None if pd.isna(v) else pd.Timestamp(v).date() for v in col.tolist()], type=typ)
    if pa.types.is_integer(typ) or pa.types.is_boolean(typ) or pa.types.is_floating(typ):
        return pa.Array.from_pandas(col, type=typ) if len(col) else pa.array([], type=typ)
    return pa.array(col.tolist(), type=typ)


def to_parquet_bytes(name: str, frame: pd.DataFrame) -> bytes:
    """Check ``frame`` against its schema and serialise it as Parquet (deterministic bytes)."""
    buf = io.BytesIO()
    pq.write_table(normalise(name, frame), buf, compression="zstd", write_statistics=True)
    return buf.getvalue()


def empty_frame(name: str, extra: Iterable[str] = ()) -> pd.DataFrame:
    """An empty frame with a table's columns and pandas dtypes."""
    return SCHEMAS[name].arrow(extra).empty_table().to_pandas()


def schema_markdown() -> str:
    """Every table's schema as Markdown (for the README and ``python -m analysis tables``)."""
    out = []
    for s in SCHEMAS.values():
        out.append(f"### {s.name}\n\n{s.doc} Written by stage `{s.stage}`.\n\n| column | type | meaning | unit |\n|---|---|---|---|")
        for c in list(s.columns) + list(s.optional):
            out.append(f"| {c.name} | {c.type} | {c.meaning} | {c.unit} |")
        out.append("")
    return "\n".join(out)


