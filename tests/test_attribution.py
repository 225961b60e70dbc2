"""Who said it, on news-like passages: each kind of attribution fault reported in issue 10, with
the issue's example and variants of it (different names, order, marks and genders)."""
from __future__ import annotations

import pytest

from analysis.corpus import Article
from analysis.quotes import split_voices


def split(text: str):
    return split_voices(Article(id="t", body=text))


def quote_of(text: str, fragment: str, kinds=("direct", "partial", "indirect", "scare", "embedded_post")):
    s = split(text)
    hits = [q for q in s.quotes if fragment in q.text and q.kind in kinds]
    assert hits, f"no quote containing {fragment!r} in {[(q.kind, q.text) for q in s.quotes]}"
    return hits[0]


def speaker_of(text: str, fragment: str) -> str | None:
    return quote_of(text, fragment).speaker


# ----------------------------------------------------------------------------- role nouns that refer back


@pytest.mark.parametrize("text, fragment, speaker", [
    ("Health Minister Lena Vossberg toured the hospital on Monday. “No ward will close,” the minister told staff.",
     "No ward will close", "Lena Vossberg"),
    ("Coach Kwame Boateng watched from the bench. Afterwards the coach said: “We were lucky.”", "We were lucky", "Kwame Boateng"),
    ("Acme Corp announced record profits on Tuesday. “Demand was strong,” the company said in a statement.",
     "Demand was strong", "Acme Corp"),
    ("Lena Vossberg, the health minister, toured the hospital. “No ward will close,” the minister said.",
     "No ward will close", "Lena Vossberg"),
    ("Mayor Tom Brandt and Governor Ana Ruiz met on Friday. “We agreed on nothing,” the governor said.",
     "We agreed on nothing", "Ana Ruiz"),
])
def test_role_noun_refers_back(text, fragment, speaker):
    q = quote_of(text, fragment)
    assert q.speaker == speaker
    assert q.speaker_mention.lower().startswith("the ")  # the mention as written is kept


def test_role_noun_without_antecedent_stays_as_written():
    assert speaker_of("“No ward will close,” the minister told staff.", "No ward") == "minister"


# ----------------------------------------------------------------------------- role and name in one phrase


@pytest.mark.parametrize("text, fragment, speaker", [
    ("“We played without fear,” said Ghana's coach Kwame Boateng.", "We played", "Kwame Boateng"),
    ("The French minister Claire Dumas said: “We will stay.”", "We will stay", "Claire Dumas"),
    ("“The fund is empty,” said executive director Maria Lopez.", "The fund is empty", "Maria Lopez"),
    ("“We started in a garage,” said co-founder Jonas Berg.", "We started", "Jonas Berg"),
    ("Co-founder Jonas Berg said: “We started in a garage.”", "We started", "Jonas Berg"),
    ("“It was a fair result,” said Brazil's goalkeeper Ana Lima.", "fair result", "Ana Lima"),
])
def test_role_and_name_in_one_phrase(text, fragment, speaker):
    assert speaker_of(text, fragment) == speaker


# ----------------------------------------------------------------------------- apposition


@pytest.mark.parametrize("text, fragment, speaker", [
    ("Its spokesperson, Hana Wirth, described the review as “rushed”.", "rushed", "Hana Wirth"),
    ("The union's leader, Piotr Nowak, said: “We will strike.”", "We will strike", "Piotr Nowak"),
    ("Hana Wirth, its spokesperson, said the review was “rushed”.", "rushed", "Hana Wirth"),
])
def test_apposition_yields_the_person(text, fragment, speaker):
    assert speaker_of(text, fragment) == speaker


def test_roles_are_spelled_one_way():
    a = speaker_of("“This is wrong,” critics said.", "This is wrong")
    b = speaker_of("Critics said: “This is wrong.”", "This is wrong")
    assert a == b == "critics"


# ----------------------------------------------------------------------------- accusations


@pytest.mark.parametrize("text, fragment, speaker", [
    ("Opposition leader Tomas Brandl accused the minister of hiding the figures.", "hiding the figures", "Tomas Brandl"),
    ("Residents accused the council of ignoring their complaints for years.", "ignoring their complaints", "residents"),
])
def test_accusation_with_of_clause(text, fragment, speaker):
    q = quote_of(text, fragment, kinds=("indirect",))
    assert q.speaker == speaker and q.cue == "accused"


# ----------------------------------------------------------------------------- possessives


@pytest.mark.parametrize("text, fragment, speaker", [
    ("“We are devastated,” wrote the singer's longtime bandmate Dario Kent on Instagram.", "devastated", "Dario Kent"),
    ("The mayor's chief of staff, Ines Duarte, said: “The budget is final.”", "budget is final", "Ines Duarte"),
    ("“Nobody was hurt,” said the company's spokesman Leo Park.", "Nobody was hurt", "Leo Park"),
])
def test_possessive_phrase_yields_the_person(text, fragment, speaker):
    assert speaker_of(text, fragment) == speaker


def test_possessive_without_a_name_keeps_the_role():
    q = quote_of("“We are devastated,” wrote the singer's bandmate on Instagram.", "devastated")
    assert q.speaker == "singer's bandmate"


# ----------------------------------------------------------------------------- pronouns


@pytest.mark.parametrize("text, fragment, speaker", [
    ("Maya Okafor met Mayor Tom Brandt to discuss the strike. “We have a deal,” she said.", "We have a deal", "Maya Okafor"),
    ("Ms. Maya Okafor met Mayor Tom Brandt to discuss the strike. “We have a deal,” he said.", "We have a deal", "Tom Brandt"),
    ("“The vote is close,” said Ines Duarte. “We will win,” she added.", "We will win", "Ines Duarte"),
    ("Ines Duarte said her team was ready. Later Paul Klee and his wife arrived. “We will win,” she said.", "We will win", "Ines Duarte"),
    ("Mr. Ito met Alex Chen. “It went well,” he said.", "It went well", "Ito"),
])
def test_pronoun_resolves_to_a_compatible_antecedent(text, fragment, speaker):
    assert speaker_of(text, fragment) == speaker


def test_pronoun_without_compatible_antecedent_stays_unresolved():
    q = quote_of("Mr. Brandt met Mr. Klee. “We have a deal,” she said.", "We have a deal")
    assert q.speaker == "she" and q.speaker_mention == "she"


def test_it_refers_to_an_organisation_not_a_person():
    q = quote_of("Acme Corp hired Tom Brandt last year. “Sales are up,” it said.", "Sales are up")
    assert q.speaker == "Acme Corp"


# ----------------------------------------------------------------------------- X quoted Y as saying


@pytest.mark.parametrize("text, fragment, speaker, medium", [
    ("Local radio quoted police chief Aron Vale as saying the road would stay closed.", "road would stay closed",
     "Aron Vale", "Local radio"),
    ("The Daily Post quoted Mayor Ana Ruiz as saying that the bridge was safe.", "the bridge was safe", "Ana Ruiz", "The Daily Post"),
])
def test_quoted_as_saying_credits_the_person(text, fragment, speaker, medium):
    q = quote_of(text, fragment, kinds=("indirect",))
    assert q.speaker == speaker and q.medium == medium


# ----------------------------------------------------------------------------- coordinated verbs


@pytest.mark.parametrize("text, fragment, speaker", [
    ("Organiser Lise Moreau said the placard read «Save the river» and added: «We will be back.»", "We will be back", "Lise Moreau"),
    ("Ines Duarte thanked the volunteers and said: “Without them we would have failed.”", "Without them", "Ines Duarte"),
])
def test_coordinated_verbs_share_the_subject(text, fragment, speaker):
    assert speaker_of(text, fragment) == speaker


def test_coordinated_placard_is_not_a_speaker():
    q = quote_of("Organiser Lise Moreau said the placard read «Save the river» and added: «We will be back.»", "Save the river")
    assert q.speaker != "placard"


# ----------------------------------------------------------------------------- lead-ins and tweets


@pytest.mark.parametrize("text, fragment, speaker", [
    ("And from committee chair Ruth Abara:\n\n“We will publish everything.”", "publish everything", "Ruth Abara"),
    ("Then, from Senator Jo Quist:\n“Not on my watch.”", "Not on my watch", "Jo Quist"),
    ("President Dan Moor spoke on Monday. The president tweeted from his official account: “Great day for the country!”",
     "Great day", "Dan Moor"),
    ("Ana Ruiz posted on Facebook: “Thank you all.”", "Thank you all", "Ana Ruiz"),
])
def test_lead_ins_and_posts(text, fragment, speaker):
    assert speaker_of(text, fragment) == speaker


# ----------------------------------------------------------------------------- floating quotes


@pytest.mark.parametrize("text, fragment, speaker", [
    ("Council member Omar Reyes said he was furious. “This plan splits the town in two.”", "splits the town", "Omar Reyes"),
    ("Ana Ruiz told reporters that the bridge would reopen.\n\n“We are nearly done.”", "nearly done", "Ana Ruiz"),
])
def test_floating_quote_after_reported_speech(text, fragment, speaker):
    q = quote_of(text, fragment)
    assert q.kind == "direct" and q.speaker == speaker


def test_floating_quote_far_from_any_speaker_stays_unattributed():
    text = "The river rose overnight.\n\nRoads closed in the morning.\n\n“Nobody expected this.”"
    assert speaker_of(text, "Nobody expected") is None


# ----------------------------------------------------------------------------- reported speech


@pytest.mark.parametrize("text, fragment, speaker", [
    ("According to the coast guard, the ferry ran aground in fog.", "the ferry ran aground", "coast guard"),
    ("The ferry ran aground in fog, according to the coast guard.", "The ferry ran aground", "coast guard"),
    ("The company announced it would cut 200 jobs.", "it would cut 200 jobs", "company"),
    ("The lawyer claims the evidence was planted.", "the evidence was planted", "lawyer"),
    ("The report states that emissions rose by ten percent.", "emissions rose", "report"),
    ("Ana Ruiz stressed that no decision had been made.", "no decision had been made", "Ana Ruiz"),
    ("Doctors warned that the hospital was full.", "the hospital was full", "doctors"),
    ("The minister conceded the plan had failed.", "the plan had failed", "minister"),
    ("Police disclosed that two suspects had fled.", "two suspects had fled", "police"),
])
def test_reported_speech(text, fragment, speaker):
    q = quote_of(text, fragment, kinds=("indirect",))
    assert q.speaker == speaker


def test_speech_verbs_come_from_a_cited_resource():
    from analysis.verbs import speech_verbs

    verbs = speech_verbs()
    assert {"announce", "claim", "state", "stress", "warn", "say", "mumble", "tweet"} <= set(verbs.lemma)
    assert verbs.source.notna().all() and verbs.source.str.len().min() > 5


def test_thoughts_are_not_reported_speech():
    s = split("Many residents believe the river is safe.")
    assert not [q for q in s.quotes if q.kind == "indirect"]


# ----------------------------------------------------------------------------- titles and names as labels


@pytest.mark.parametrize("text, fragment, label", [
    ("The robot, named “Pepper”, greeted visitors.", "Pepper", "name"),
    ("The ship “Ever Given” blocked the canal.", "Ever Given", "name"),
    ("The website “Open Data Watch” published the files.", "Open Data Watch", "title"),
    ("The painting “Water Lilies” was sold.", "Water Lilies", "title"),
    ("The agency rated the bonds “junk” on Friday.", "junk", "scare"),
    ("He starred in the film “The Long Road Home” last year.", "The Long Road Home", "title"),
    ("The vessel, called “Sea Star”, sank in 1990.", "Sea Star", "name"),
    ("Engineers nicknamed the probe “Old Faithful” years ago.", "Old Faithful", "name"),
])
def test_quoted_titles_and_names_are_labels(text, fragment, label):
    """Names, titles and grades in quotation marks are labels in the editorial voice
    (``scare`` kind; label title, name, or scare for a term or grade)."""
    q = quote_of(text, fragment)
    assert q.kind == "scare" and q.speaker is None and q.label == label


# ----------------------------------------------------------------------------- quotation marks


def test_plural_possessive_inside_single_quote():
    q = quote_of("He called the tariff ‘a blow to the farmers’ income’, said Ana Ruiz.", "farmers", kinds=("partial", "direct", "scare"))
    assert q.text == "a blow to the farmers’ income"


def test_plural_possessive_inside_straight_single_quote():
    q = quote_of("Ana Ruiz said it was 'a blow to the workers' pay' and left.", "workers", kinds=("partial", "scare"))
    assert q.text == "a blow to the workers' pay"


@pytest.mark.parametrize("text", ["“”", "\"\"\"\"", "“ ” ‘’", "«»", "\"", "'''"])
def test_only_marks_yield_no_empty_quotes(text):
    s = split(text)
    assert all(q.text.strip() for q in s.quotes)


def test_zero_width_space_before_opening_mark():
    q = quote_of("Ana Ruiz said:\u200b“We will stay.”", "We will stay")
    assert q.kind == "direct" and q.speaker == "Ana Ruiz"
    q = quote_of("\u200b“We will stay,” said Ana Ruiz.", "We will stay")
    assert q.kind == "direct" and q.speaker == "Ana Ruiz"


# ----------------------------------------------------------------------------- sentences


@pytest.mark.parametrize("text, n", [
    ("The senator fell ill. Doctors said he would recover.", 2),
    ("The bill passed in the Senate. It now goes to the president.", 2),
    ("The patient was ill. Nurses stayed with her.", 2),
    ("Sen. Ana Ruiz spoke. She left.", 2),
    ("It weighs 5 lbs. and costs $3.", 1),
])
def test_abbreviation_that_is_also_a_word(text, n):
    from analysis.sentences import sentence_spans

    assert len(sentence_spans(text)) == n


def test_verbless_fragment_with_participle_terminates():
    """A ", saying …" participle on a noun with no verb above it (a headline-like fragment) once
    looped for ever climbing to the root (tokens compared by identity, not position)."""
    import signal

    def stop(*_):
        raise TimeoutError("attribution did not terminate")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(30)
    try:
        for text in ("A new report on the flood, saying the dam was weak.",
                     "Statement from the ministry, saying “we will rebuild”.",
                     "Outrage online, saying the decision was unfair, after the vote."):
            split(text)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_indefinite_sources_stay_as_written():
    """"Others argue …" is not the "Others" of a title NER found elsewhere in the article."""
    text = ("The American Conservative Others series ran all week. "
            "Others argue that “the debate was won by the calmest person on the stage.” Some said the plan failed.")
    s = split(text)
    assert {q.speaker for q in s.quotes if q.kind in ("direct", "indirect")} == {"others", "some"}


@pytest.mark.parametrize("text, fragment, speaker", [
    ("The plant leaked toxic water into the river for weeks, officials said.", "leaked toxic water", "officials"),
    ("Mayor Ana Lund opened the hall. The bridge will close for repairs in May, the mayor said on Monday.",
     "will close for repairs", "Ana Lund"),
    ("Two climbers were rescued from the ridge overnight, the coast guard said in a statement.", "were rescued", "coast guard"),
    ("Police arrested Tom Reyes. He was carrying a stolen passport and cash, police said.", "stolen passport", "police"),
])
def test_reported_clause_before_a_closing_attribution(text, fragment, speaker):
    """Issue 20's most frequent miss: the unquoted clause before ", X said." is reported speech."""
    q = quote_of(text, fragment)
    assert q.kind == "indirect" and q.speaker == speaker
    assert not q.text.endswith(",") and text[q.start:q.end] == q.text


@pytest.mark.parametrize("text", [
    "The bridge closed, and officials said nothing more.",  # "said" has its own object
    "When the bridge closed, officials said it would reopen in May.",  # the content follows the verb
])
def test_no_closing_attribution_where_the_verb_takes_its_own_content(text):
    art = Article(id="x", body=text)
    qs = [q for q in split_voices(art).quotes if q.kind == "indirect"]
    assert all(not q.text.startswith("The bridge closed") and not q.text.startswith("When") for q in qs)


@pytest.mark.parametrize("text, fragment, speaker", [
    ("U.S. Attorney John Bash spoke on Monday. According to Attorney Bash, the case was strong.", "the case was strong",
     "John Bash"),
    ("Kama Melly QC prosecuted. “They were vulnerable,” said Kama Melly QC.", "They were vulnerable", "Kama Melly"),
    ("William S. Saturn interviewed the candidate.\n\nWSS: “Why are you running?”", "Why are you running", "William S. Saturn"),
])
def test_titles_post_nominals_and_initials_give_the_person(text, fragment, speaker):
    assert speaker_of(text, fragment) == speaker


@pytest.mark.parametrize("text, fragment, speaker", [
    ("The National Basketball Association met on Wednesday. Its press release said the league was suspending play.",
     "suspending play", "National Basketball Association"),
    ("The European Court of Justice sat in Luxembourg. The court's ruling said hosts must remove the posts.",
     "must remove the posts", "European Court of Justice"),
])
def test_a_documents_owner_is_its_author(text, fragment, speaker):
    assert speaker_of(text, fragment) == speaker


@pytest.mark.parametrize("text, fragment, label", [
    ("“Not again,” she thought as the lights went out.", "Not again", "thought"),
    ("He wondered “what next?” and left the room.", "what next?", "thought"),
    ("“Maybe tomorrow,” Ana Lund mused, looking at the sky.", "Maybe tomorrow", "thought"),
    ("Crowds chanted “No justice, no peace” as the mayor arrived.", "No justice, no peace", "slogan"),
    ("Fans sang “You'll Never Walk Alone” before kick-off.", "You'll Never Walk Alone", "slogan"),
    ("Protesters carried signs reading “Stop the war” outside the embassy.", "Stop the war", "scare"),
])
def test_thoughts_chants_and_signs_are_labels_not_speech(text, fragment, label):
    """Issue 20 item 4 (the guide's "Not speech"): no speaker, the editorial voice."""
    q = quote_of(text, fragment)
    assert q.kind == "scare" and q.speaker is None and q.label == label


@pytest.mark.parametrize("text, fragment, speaker", [
    ("“I think we will win,” the coach said.", "I think we will win", "coach"),
    ("Organiser Mia Park said: “We want justice.”", "We want justice", "Mia Park"),
    ("“We hope to reopen in May,” the owner told reporters.", "We hope to reopen", "owner"),
])
def test_speech_about_thoughts_stays_speech(text, fragment, speaker):
    q = quote_of(text, fragment)
    assert q.kind == "direct" and q.speaker == speaker


@pytest.mark.parametrize("text, fragment, speaker, medium", [
    ("The Health Ministry issued a statement on Monday. The statement said the border would reopen in May.",
     "border would reopen", "Health Ministry", "The statement"),
    ("A statement from the Health Ministry said the border would reopen in May.", "border would reopen",
     "Health Ministry", "A statement"),
    ("Acme Corp filed papers in court. According to the filing, the company hid losses for years.", "hid losses",
     "Acme Corp", "the filing"),
    ("The statement said the border would reopen in May.", "border would reopen", "statement", None),
    ("A report of heavy fighting said the town had fallen.", "town had fallen", "report", None),
])
def test_a_document_as_source_gives_who_issued_it_with_the_medium_apart(text, fragment, speaker, medium):
    """Issue 20 item 3: "according to the filing", "a statement said" -> who issued it; the document is the medium."""
    q = quote_of(text, fragment)
    assert q.speaker == speaker and q.medium == medium
