"""Connotation frames of agency and power (Sap et al. 2017): what a verb implies about its subject and object.

Sap, Prasettio, Holtzman, Rashkin & Choi (2017), "Connotation Frames of Power and Agency in
Modern Films", EMNLP, pp. 2329-2334 (doi:10.18653/v1/D17-1247). Each verb lemma was rated with
placeholders ("X alters Y"):

* **agency** of the agent X: ``agency_pos`` (X acts decisively), ``agency_neg`` (X is
  passive or acted upon), ``agency_equal`` (neither);
* **power** between X and Y: ``power_agent`` (X has power over Y), ``power_theme`` (Y has
  power over X), ``power_equal``.

The lexicon is licensed GPL-3.0 (distributed with riveter-nlp, github.com/maartensap/riveter-nlp,
``riveter/data/sap-lexicon/agency_power.csv``). This MIT project does not bundle it: it is read
from ``paths.AGENCY_POWER`` (``FRAMING_AGENCY_POWER``, default
``../shared/data/agency_power_sap2017/agency_power.csv``) or a path the user gives.

For a mention, :func:`frame_for` turns the verb's labels into the mention's view: a subject
(agent) gets the verb's agency (``positive``/``negative``/``equal``) and power ``higher`` for
``power_agent``, ``lower`` for ``power_theme``; an object (theme) gets no agency (the frames
rate the agent only) and the reverse power.
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from . import paths

AGENCY = {"agency_pos": "positive", "agency_neg": "negative", "agency_equal": "equal", "": None}
POWER = {"power_agent": "agent", "power_theme": "theme", "power_equal": "equal", "": None}
_SUBJECT_POWER = {"agent": "higher", "theme": "lower", "equal": "equal"}
_OBJECT_POWER = {"agent": "lower", "theme": "higher", "equal": "equal"}


@dataclass(frozen=True)
class Frame:
    """One verb's labels: agency of its agent and which side holds power (None: not rated)."""

    agency: str | None  # positive | negative | equal
    power: str | None  # agent | theme | equal


def read_frames(path: str | Path | None = None) -> dict[str, Frame]:
    """The verb lexicon as {lemma: Frame}; rows split by dimension (``echo``, ``go``) are merged.

    ``path``: the CSV (header ``verb,agency,power``; default ``paths.AGENCY_POWER``).
    Errors: FileNotFoundError saying where to get the file; ValueError naming file and line
    for an unknown label, a missing verb or two rows that disagree.
    """
    path = Path(path) if path is not None else paths.AGENCY_POWER
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: the agency/power lexicon of Sap et al. (2017) is not there. It is GPL-3.0 and not bundled; "
            "get agency_power.csv from https://github.com/maartensap/riveter-nlp (riveter/data/sap-lexicon/) "
            "and set FRAMING_AGENCY_POWER to its path")
    text = path.read_bytes().decode("utf-8-sig")
    rows = csv.DictReader(io.StringIO(text, newline=""))
    if rows.fieldnames is None or [f.strip() for f in rows.fieldnames] != ["verb", "agency", "power"]:
        raise ValueError(f"{path}:1: expected the header verb,agency,power, got {rows.fieldnames}")
    out: dict[str, Frame] = {}
    for n, row in enumerate(rows, 2):
        verb = (row["verb"] or "").strip().lower()
        agency, power = (row["agency"] or "").strip(), (row["power"] or "").strip()
        if not verb:
            raise ValueError(f"{path}:{n}: a row without a verb")
        if agency not in AGENCY or power not in POWER:
            raise ValueError(f"{path}:{n}: unknown label {agency if agency not in AGENCY else power!r} for {verb!r}")
        new = Frame(AGENCY[agency], POWER[power])
        old = out.get(verb)
        if old is not None:
            for a, b in ((old.agency, new.agency), (old.power, new.power)):
                if a is not None and b is not None and a != b:
                    raise ValueError(f"{path}:{n}: {verb!r} is rated twice with different labels")
            new = Frame(old.agency or new.agency, old.power or new.power)
        out[verb] = new
    return out


def frames_version(path: str | Path | None = None) -> str:
    """A short hash of the lexicon file ("none" when it is absent): part of the actors stage's version."""
    path = Path(path) if path is not None else paths.AGENCY_POWER
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.exists() else "none"


def frame_for(frames: dict[str, Frame], lemma: str | None, role: str) -> tuple[str | None, str | None]:
    """(agency, power) of a mention that is the ``role`` ("subject" or "object") of verb ``lemma``.

    Subject: agency positive / negative / equal, power higher / lower / equal (over the object).
    Object: agency None, power higher / lower / equal. Unknown verb or other roles: (None, None).
    A British -ise/-yse spelling is looked up as -ize/-yze.
    """
    word = (lemma or "").lower()
    frame = frames.get(word)
    if frame is None and word.endswith(("ise", "yse")):  # British spellings: criticise, analyse (the lexicon is US)
        frame = frames.get(word[:-2] + "ze")
    if frame is None or role not in ("subject", "object"):
        return None, None
    if role == "subject":
        return frame.agency, _SUBJECT_POWER.get(frame.power) if frame.power else None
    return None, _OBJECT_POWER.get(frame.power) if frame.power else None
