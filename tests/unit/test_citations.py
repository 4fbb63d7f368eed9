"""Citation strings as letters write them resolve to the right catalog entry, pages and sections."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from schemas.enrichment import PageRange
from schemas.letter import Citation
from workers.enrichment import enrich_citations, normalise_citation
from workers.enrichment.catalog import load_catalog
from workers.enrichment.citations import parse_pages, parse_sections


@pytest.mark.parametrize(
    ("raw", "guideline_id", "sections"),
    [
        (
            "MTUS Chronic Pain Medical Treatment 2016, Section(s): Physical medicine treatment",
            "mtus-cpmtg-2016",
            ["Physical medicine treatment"],
        ),
        (
            "MTUS Chronic Pain Medical Treatment 2016, Section(s): NSAIDs, GI symptoms & "
            "cardiovascular risk, Proton Pump Inhibitors (PPIs)",
            "mtus-cpmtg-2016",
            ["NSAIDs, GI symptoms & cardiovascular risk", "Proton Pump Inhibitors (PPIs)"],
        ),
        (
            "MTUS Low Back Complaints 2004, Section(s): Inital Care, Physical Methods",
            "mtus-acoem-2004-ch12-low-back",
            ["Initial Care", "Physical Methods"],
        ),
        (
            "MTUS Forearm, Wrist, and Hand Complaints 2004, Section(s): Special Studies",
            "mtus-acoem-2004-ch11-forearm-wrist-hand",
            ["Special Studies"],
        ),
        (
            "MTUS General Approaches 2004, Section(s): Initial Approaches to Treatment",
            "mtus-acoem-2004-general-approaches",
            ["Initial Approaches to Treatment"],
        ),
        ("MTUS Elbow Complaints 2007", "mtus-acoem-2007-ch10-elbow", []),
        ("MTUS Acupuncture Treatment 2007", "mtus-acupuncture-2007", []),
        (
            "MTUS Postsurgical Treatment 2009, Section(s): Knee, Forearm, Wrist, & Hand",
            "mtus-postsurgical-2009",
            ["Knee", "Forearm, Wrist, & Hand"],
        ),
        (
            "MTUS Opioid Treatment 2016, Section(s): 4.1 Tapering Opioids: Indications for "
            "Tapering Opioids",
            "mtus-opioids-2016",
            ["4.1 Tapering Opioids: Indications for Tapering Opioids"],
        ),
        (
            "Official Disability Guidelines (ODG) Low Back, Epidural steroid injections (ESIs)",
            "odg-low-back",
            ["Epidural steroid injections (ESIs)"],
        ),
        (
            "Official Disability Guidelines (ODG) Pain Section/Lidoderm\u00ae (lidocaine patch) "
            "Topic",
            "odg-pain",
            ["Lidoderm (lidocaine patch)"],
        ),
        (
            "Official Disability Guidelines (ODG) MRI Elbow",
            "odg-elbow",
            ["Magnetic resonance imaging (MRI)"],
        ),
        (
            "ACOEM Occupational Medicine Practice Guidelines, 3rd ed., Shoulder Disorders, pg. 64",
            "acoem-3rd",
            ["Shoulder Disorders"],
        ),
        ("Official Disability Guidelines (ODG)", "odg", []),
        ("Other Medical Treatment Guidelines www.mdguidelines.com", "mdguidelines", []),
        (
            "Other Medical Treatment Guidelines https://www.cms.gov/Regulations-and-Guidance/"
            "Guidance/Transmittals/downloads/R148CIM.pdf",
            "cms-medicare",
            [],
        ),
    ],
)
def test_letter_citations_resolve(raw: str, guideline_id: str, sections: list[str]) -> None:
    cited = normalise_citation(raw)
    assert cited.raw == raw
    assert cited.guideline_id == guideline_id
    assert cited.matches[0].guideline_id == guideline_id
    assert cited.matches[0].sections == sections


@pytest.mark.parametrize(
    ("raw", "guideline_id", "topic", "pages"),
    [
        (
            "MTUS Chronic Pain Treatment Guidelines Physical Medicine Page(s): 98-99",
            "mtus-cpmtg-2009",
            "Physical medicine",
            [(98, 99)],
        ),
        (
            "Chronic Pain Medical Treatment Guidelines Opioids, criteria for use Page(s): 76-80",
            "mtus-cpmtg-2009",
            "Opioids, criteria for use",
            [(76, 80)],
        ),
        # No topic named: inferred from the page.
        ("Chronic Pain Medical Treatment Guidelines Page(s): 78", "mtus-cpmtg-2009",
         "Opioids, ongoing management", [(78, 78)]),
        # Chapter-less ACOEM 2nd edition: the chapter follows from the page.
        ("MTUS ACOEM Practice Guidelines Page(s): 303", "mtus-acoem-2004-ch12-low-back",
         "Special Studies", [(303, 303)]),
        ("MTUS (ACOEM Practice Guidelines, 2nd Edition, 2004), Chapter 12, page 303",
         "mtus-acoem-2004-ch12-low-back", "Special Studies", [(303, 303)]),
        ("8 C.C.R. \u00a7\u00a79792.20 \u2013 9792.26 MTUS (Effective July 18, 2009) "
         "Page 99 of 127",
         "mtus-cpmtg-2009", "Physical medicine", [(99, 99)]),
    ],
)  # fmt: skip
def test_paged_citations_resolve_topics(
    raw: str, guideline_id: str, topic: str, pages: list[tuple[int, int]]
) -> None:
    cited = normalise_citation(raw)
    assert cited.guideline_id == guideline_id
    assert topic in cited.matches[0].sections
    assert [(p.start, p.end) for p in cited.pages] == pages
    assert cited.mtus is True


def test_edition_year_decides_between_cpmtg_editions() -> None:
    assert normalise_citation("MTUS Chronic Pain Medical Treatment 2009").guideline_id == (
        "mtus-cpmtg-2009"
    )
    assert normalise_citation("MTUS Chronic Pain Medical Treatment 2016").guideline_id == (
        "mtus-cpmtg-2016"
    )
    undated = normalise_citation("Chronic Pain Medical Treatment Guidelines")
    assert undated.guideline_id == "mtus-cpmtg-2009"
    assert undated.matches[0].score < 1.0


def test_several_sources_in_one_citation_all_match() -> None:
    cited = normalise_citation("ACOEM guidelines and the Official Disability Guidelines")
    assert [m.guideline_id for m in cited.matches] == ["acoem", "odg"]
    assert cited.mtus is False
    assert {m.evidence_tier for m in cited.matches} == {2}


def test_odg_chapters_split_their_topics() -> None:
    cited = normalise_citation(
        "Official Disability Guidelines (ODG) Knee/DME, Low Back Lumbar and Thoracic/Mattress "
        "selection"
    )
    by_id = {m.guideline_id: m.sections for m in cited.matches}
    assert by_id == {
        "odg-knee-leg": ["Durable medical equipment (DME)"],
        "odg-low-back": ["Mattress selection"],
    }


def test_non_mtus_label_is_not_taken_for_mtus() -> None:
    cited = normalise_citation(
        "Non\ufffeMTUS Citation Official Disability Guidelines (ODG) Neck and Upper Back, "
        "Acupuncture"
    )
    assert [m.guideline_id for m in cited.matches] == ["odg-neck-upper-back"]


def test_reference_sources_rank_by_evidence_tier_data() -> None:
    cited = normalise_citation(
        "What is an electrocardiogram? National Heart, Lung, and Blood Institute. Benditt D, "
        "et al. Syncope in adults. Topic 969, version 21.0. UpToDate, accessed 02/18/2017"
    )
    tiers = {m.guideline_id: m.evidence_tier for m in cited.matches}
    assert tiers["nhlbi"] == 3
    assert tiers["uptodate"] == 5


def test_journal_reference_is_peer_reviewed() -> None:
    cited = normalise_citation("Smith J, et al. Spine 2010;35(4):123-30")
    assert cited.guideline_id == "peer-reviewed"
    assert cited.matches[0].evidence_tier == 4


@pytest.mark.parametrize("raw", ["", "the guidelines", "Labor Code 4610.5", "see above"])
def test_unmatched_citation_keeps_no_id(raw: str) -> None:
    cited = normalise_citation(raw)
    assert cited.guideline_id is None
    assert cited.matches == []
    assert cited.mtus is None


@pytest.mark.parametrize(
    ("text", "pages"),
    [
        ("Page(s): 98-99", [(98, 99)]),
        ("Pages(s) 98 - 99", [(98, 99)]),
        ("pg. 64", [(64, 64)]),
        ("pp. 74-96, 78-80", [(74, 96), (78, 80)]),
        ("Page(s): 68-69, 70-73", [(68, 69), (70, 73)]),
        ("page 303-05", [(303, 305)]),
        ("Page 99 of 127", [(99, 99)]),
        ("p 301", [(301, 301)]),
        ("Page (s): 98 to 99", [(98, 99)]),
        ("Page(s): 76-80 Page(s): 76-80", [(76, 80)]),
        ("pg. 98 - 99, 8 C.C.R. 9792.24.2", [(98, 99)]),
        ("Section(s): 326", []),
        ("Table 12-8", []),
    ],
)
def test_parse_pages(text: str, pages: list[tuple[int, int]]) -> None:
    assert parse_pages(text) == [PageRange(start=a, end=b) for a, b in pages]


@pytest.mark.parametrize(
    ("text", "sections"),
    [
        ("X 2004, Section(s): Initial Care, Physical Methods.",
         ["Initial Care", "Physical Methods"]),
        ("X 2016, Section(s): TENS, chronic pain (transcutaneous electrical nerve stimulation)",
         ["TENS, chronic pain (transcutaneous electrical nerve stimulation)"]),
        ("X 2016, Section(s): Ultrasound, therapeutic, Biofeedback",
         ["Ultrasound, therapeutic", "Biofeedback"]),
        ("X 2016, Section(s): 3.3.1.1 A: B, C: D, 3.3.1.2 E: F",
         ["3.3.1.1 A: B, C: D", "3.3.1.2 E: F"]),
        ("X 2016, Section(s): Foo (bar, baz), Qux", ["Foo (bar, baz)", "Qux"]),
        ("Official Disability Guidelines, Pain", []),
    ],
)  # fmt: skip
def test_parse_sections(text: str, sections: list[str]) -> None:
    assert parse_sections(text) == sections


def test_enrich_citations_keeps_order() -> None:
    cited = enrich_citations(
        [
            Citation(raw="MTUS Acupuncture Treatment 2007"),
            Citation(raw="Official Disability Guidelines, Pain"),
        ]
    )
    assert [c.guideline_id for c in cited] == ["mtus-acupuncture-2007", "odg-pain"]


@pytest.mark.corpus
def test_every_gold_citation_resolves(corpus_dir: Path) -> None:
    unresolved = []
    total = 0
    for path in sorted((corpus_dir / "gold").glob("*.json")):
        for item in json.loads(path.read_text())["items"]:
            for raw in item["claims_administrator_guidelines"] + item["reviewer_guidelines"]:
                total += 1
                cited = normalise_citation(raw)
                if cited.guideline_id is None:
                    unresolved.append(raw)
                elif raw.startswith("MTUS "):
                    assert cited.mtus is True, raw
                    year = re.search(r"\b(20\d\d)\b", raw)
                    assert year is not None
                    entry = load_catalog().by_id[cited.guideline_id]
                    assert entry.year == int(year.group(1)), raw
    assert total > 100
    assert unresolved == []


@pytest.mark.parametrize(
    ("raw", "guideline_id", "tier"),
    [
        ("CDC Guideline for Prescribing Opioids for Chronic Pain, 2016", "cdc", 3),
        ("Colorado Division of Workers' Compensation Medical Treatment Guidelines",
         "state-workers-comp-guideline", 3),
        ("American Pain Society guideline", "other-guideline", 3),
        ("Ann Intern Med. 2007;147(7):505-14", "peer-reviewed", 4),
        ("(Homik, 2004)", "peer-reviewed", 4),
        ("Up-To-Date: Treatment of insomnia", "uptodate", 5),
        ("Lyrica prescribing information", "fda-label", 5),
        ("Drugs.com, Tramadol", "drug-reference", 5),
    ],
)  # fmt: skip
def test_non_mtus_sources_resolve_by_shape(raw: str, guideline_id: str, tier: int) -> None:
    cited = normalise_citation(raw)
    assert cited.guideline_id == guideline_id
    assert cited.matches[0].evidence_tier == tier
    assert cited.mtus is False


def test_acronym_in_parentheses_is_not_an_author_year_reference() -> None:
    cited = normalise_citation("Chronic Pain Medical Treatment Guidelines (DWC 2008)")
    assert [m.guideline_id for m in cited.matches] == ["mtus-cpmtg-2009"]


@pytest.mark.parametrize(
    ("raw", "ids", "sections"),
    [
        (
            "Official Disability Guidelines (ODG), Treatment Index, 11th Edition (web), 2013, "
            "Pain, Medical Food",
            ["odg-pain"],
            ["Medical food"],
        ),
        ("Official Disability Guidelines, Low Back Pain chapter", ["odg-low-back"], []),
        (
            "MTUS 2009: ACOEM, Chapter 12 Low Back Complaints, pages 303-305",
            ["mtus-acoem-2004-ch12-low-back"],
            ["Special Studies"],
        ),
        ("MTUS/ACOEM Guidelines, Chapter 12, Table 12-8", ["mtus-acoem-2004-ch12-low-back"],
         ["Summary"]),
        ("ACOEM Guidelines 2011, Chronic Pain", ["acoem-3rd"], ["Chronic Pain"]),
    ],
)  # fmt: skip
def test_older_citation_shapes(raw: str, ids: list[str], sections: list[str]) -> None:
    cited = normalise_citation(raw)
    assert [m.guideline_id for m in cited.matches] == ids
    assert cited.matches[0].sections == sections


@pytest.mark.parametrize(
    ("raw", "guideline_id", "sections"),
    [
        ("ODG, Chronic Pain, Opioids", "odg-pain", ["Opioids"]),
        ("ODG Lumbar chapter, Discography", "odg-low-back", ["Discography"]),
        ("ODG Hand, Trigger finger", "odg-forearm-wrist-hand", ["Trigger finger"]),
        (
            "ODG Mental Health, Cognitive therapy",
            "odg-mental-illness-stress",
            ["Cognitive therapy"],
        ),
    ],
)
def test_odg_chapter_without_its_title(raw: str, guideline_id: str, sections: list[str]) -> None:
    cited = normalise_citation(raw)
    assert [m.guideline_id for m in cited.matches] == [guideline_id]
    assert cited.matches[0].sections == sections


@pytest.mark.parametrize(
    ("raw", "sections"),
    [
        (
            "MTUS Opioid Treatment 2016, Section(s): 3.3.9 Opioids for Chronic Pain and Chronic "
            "Opioid Treatment: Maintenance of Chronic Opioid Treatment",
            ["3.3.9 Opioids for Chronic Pain and Chronic Opioid Treatment: Maintenance of "
             "Chronic Opioid Treatment"],
        ),
        # Numbers the catalog does not list name no topic, however close another number is.
        (
            "MTUS Opioids Treatment Guidelines 2016, Section(s): 3.3 Opioids for Chronic Pain and "
            "Chronic Opioid Treatment: Initiating and Monitoring, 3.3.3 Initiation",
            [],
        ),
    ],
)  # fmt: skip
def test_numbered_sections_match_by_number_only(raw: str, sections: list[str]) -> None:
    assert normalise_citation(raw).matches[0].sections == sections


@pytest.mark.parametrize(
    ("raw", "topical"),
    [
        ("ODG Pain (Chronic), Diclofenac", False),
        ("Official Disability Guidelines (ODG), Pain Chapter, Diclofenac Sodium ER", False),
        ("ODG Pain (Chronic), Voltaren gel (diclofenac)", True),
    ],
)
def test_a_drug_form_never_crosses(raw: str, topical: bool) -> None:
    sections = normalise_citation(raw).matches[0].sections
    assert ("Voltaren Gel (diclofenac)" in sections) is topical


def test_an_acoem_chapter_is_found_whatever_words_name_the_guidelines() -> None:
    found = normalise_citation(
        "ACOEM Occupational Medicine Practice Guidelines, Hip and Groin Disorders"
    )
    assert [(m.guideline_id, m.sections) for m in found.matches] == [
        ("acoem", ["Hip and Groin Disorders"])
    ]


@pytest.mark.parametrize(
    "raw",
    ["Green's Operative Hand Surgery, 7th edition", "Campbell's Operative Orthopaedics, Elsevier"],
)
def test_textbooks_are_a_source_kind(raw: str) -> None:
    found = normalise_citation(raw)
    assert (found.guideline_id, found.matches[0].evidence_tier) == ("textbook", 5)
