"""Treatments as letters write them parse into service details and DWC categories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workers.enrichment import categorise, parse_service
from workers.enrichment.drugs import find_drug, load_drugs
from workers.enrichment.service_rules import ServiceRule, load_rules, match_rule
from workers.extraction import extract


def _fields(treatment: str) -> dict[str, Any]:
    return {k: v for k, v in parse_service(treatment).model_dump().items() if v not in (None, [])}


@pytest.mark.parametrize(
    ("treatment", "expected"),
    [
        (
            "Norco 10/325mg #60",
            {"name": "Norco", "drug": "Norco", "generic": "hydrocodone/acetaminophen",
             "strength": "10/325mg", "quantity": 60, "quantity_text": "#60"},
        ),
        (
            "Norco 7.5-325mg #112",
            {"name": "Norco", "drug": "Norco", "generic": "hydrocodone/acetaminophen",
             "strength": "7.5/325mg", "quantity": 112, "quantity_text": "#112"},
        ),
        (
            "Voltaren gel apply to affected area 4 times a day, #60 grams with 1 refill",
            {"name": "Voltaren gel", "drug": "Voltaren gel", "generic": "diclofenac sodium gel",
             "quantity": 60, "quantity_unit": "grams", "quantity_text": "#60 grams",
             "refills": 1, "frequency": "4 times a day"},
        ),
        (
            "Fanatrex 25mg/ml oral suspension 420ml",
            {"name": "Fanatrex", "drug": "Fanatrex",
             "generic": "gabapentin oral suspension (compounding kit)", "strength": "25mg/ml",
             "quantity": 420, "quantity_unit": "ml", "quantity_text": "420ml"},
        ),
        (
            "Lidocaine ointment 5% 106.32gm",
            {"name": "Lidocaine", "drug": "Lidocaine", "generic": "lidocaine", "strength": "5%",
             "quantity_text": "106.32gm"},
        ),
        (
            "Physiotherapy; Six (6) Visits for the Back",
            {"name": "Physical therapy", "visits": 6, "body_regions": ["back"]},
        ),
        (
            "Physical therapy 2x4 for the left knee",
            {"name": "Physical therapy", "frequency": "2x4", "visits_per_week": 2, "weeks": 4,
             "visits": 8, "body_regions": ["knee"], "laterality": "left"},
        ),
        (
            "Additional physical therapy lumbar spine two times a week for three weeks",
            {"name": "Physical therapy", "frequency": "two times a week for three weeks",
             "visits_per_week": 2, "weeks": 3, "visits": 6, "duration": "three weeks",
             "body_regions": ["lumbar spine"]},
        ),
        (
            "Physical therapy to the lumbar spine 2 times a week for 2 weeks (4)",
            {"name": "Physical therapy", "frequency": "2 times a week for 2 weeks",
             "visits_per_week": 2, "weeks": 2, "visits": 4, "duration": "2 weeks",
             "body_regions": ["lumbar spine"]},
        ),
        (
            "Twelve physical therapy sessions, three times weekly, for the right elbow",
            {"name": "Physical therapy", "frequency": "three times weekly", "visits_per_week": 3,
             "visits": 12, "body_regions": ["elbow"], "laterality": "right"},
        ),
        (
            "Initial acupuncture, 1 to 2 times per week for 4 weeks, for the neck",
            {"name": "Acupuncture", "frequency": "1 to 2 times per week for 4 weeks", "weeks": 4,
             "duration": "4 weeks", "body_regions": ["cervical spine"]},
        ),
        (
            "Chiropractic spinal manipulation times 6",
            {"name": "Chiropractic manipulation", "visits": 6, "body_regions": ["spine"]},
        ),
        (
            "NCV/EMG of the bilateral upper extremity",
            {"name": "Electrodiagnostic testing", "body_regions": ["upper extremity"],
             "laterality": "bilateral"},
        ),
        (
            "One (1) x-ray of the lumbar spine",
            {"name": "X-ray", "quantity": 1, "quantity_text": "One (1)",
             "body_regions": ["lumbar spine"]},
        ),
        (
            "Three phase bone scan to the left foot",
            {"name": "Bone scan", "body_regions": ["foot"], "laterality": "left"},
        ),
        (
            "Right L5-S1 epidural steroid injection",
            {"name": "Epidural steroid injection", "body_regions": ["lumbar spine"],
             "laterality": "right"},
        ),
        (
            "Six physical therapy sessions two times a week for three weeks for the neck, "
            "left trapezius and low back",
            {"name": "Physical therapy", "frequency": "two times a week for three weeks",
             "visits_per_week": 2, "weeks": 3, "visits": 6, "duration": "three weeks",
             "body_regions": ["cervical spine", "lumbar spine", "trapezius"], "laterality": "left"},
        ),
        (
            "Norco 10/325 #120",
            {"name": "Norco", "drug": "Norco", "generic": "hydrocodone/acetaminophen",
             "strength": "10/325", "quantity": 120, "quantity_text": "#120"},
        ),
        (
            "Massage therapy x 6",
            {"name": "Massage therapy", "visits": 6},
        ),
        (
            "Home health care 4 hours/day, 5 days a week for 6 weeks",
            {"name": "Home health services", "frequency": "5 days a week for 6 weeks",
             "visits_per_week": 5, "weeks": 6, "visits": 30, "duration": "6 weeks"},
        ),
        (
            "Gym membership x 1 year",
            {"name": "Gym membership", "duration": "1 year"},
        ),
        (
            "PT/OT 18 sessions left hand, right lower leg",
            {"name": "Physical therapy", "visits": 18, "body_regions": ["hand", "lower leg"]},
        ),
    ],
)  # fmt: skip
def test_parse_service(treatment: str, expected: dict[str, Any]) -> None:
    assert _fields(treatment) == expected


@pytest.mark.parametrize(
    ("treatment", "category", "subcategory"),
    [
        ("Norco 10/325mg #60", "Pharmaceuticals", "opioids"),
        ("Ultram 50mg #60", "Pharmaceuticals", "opioids"),
        ("Motrin 600mg #40", "Pharmaceuticals", "NSAIDs"),
        ("Voltaren gel 1% #100 grams", "Pharmaceuticals", "topical analgesics"),
        ("Compound Ketoprofen 20%, 240 grams", "Pharmaceuticals", "topical analgesics"),
        ("Lidoderm 5% patch #30", "Pharmaceuticals", "topical analgesics"),
        ("Butrans patch 10mcg/hr #4", "Pharmaceuticals", "opioids"),
        ("Flexeril 10mg #90", "Pharmaceuticals", "muscle relaxants"),
        ("Lyrica 75mg #60", "Pharmaceuticals", "anticonvulsants"),
        ("Prilosec 20mg #90", "Pharmaceuticals", "gastrointestinal"),
        ("Ambien 10mg #30", "Pharmaceuticals", "sleep aids"),
        ("Cymbalta 60mg #30", "Pharmaceuticals", "antidepressants"),
        ("Xyzzyl 10mg #30", "Pharmaceuticals", None),
        ("Xyzzyl gel 4oz", "Pharmaceuticals", "topical analgesics"),
        ("6 month follow-up aftercare program", "Programs", "functional restoration program"),
        ("Physical therapy 2x4 lumbar spine", "Rehabilitation", "physical therapy"),
        ("Chiropractic care for the low back; six sessions", "Rehabilitation", "chiropractic"),
        ("Acupuncture for 8 sessions", "Rehabilitation", "acupuncture"),
        ("Electrical stimulation 1 times 8", "Rehabilitation", "physical therapy modalities"),
        ("MRI of the lumbar spine without contrast", "Diagnostic imaging", "MRI"),
        ("CT scan of the head", "Diagnostic imaging", "CT"),
        ("EMG/NCS of the bilateral upper extremities", "Diagnostic imaging", "electrodiagnostics"),
        ("Urine drug screen", "Diagnostic imaging", "drug testing"),
        ("TENS unit, purchase, lumbar spine", "DMEPOS", "electrical stimulation unit"),
        ("Hospital bed for an unspecified rental", "DMEPOS", "beds and mattresses"),
        ("Bilateral hearing aids", "DMEPOS", "hearing aids"),
        ("Left L5-S1 epidural steroid injection", "Injections", "epidural steroid injection"),
        ("Toradol 60mg IM injection", "Injections", "joint/soft tissue injection"),
        ("Arthroscopy of the left knee", "Surgery", "arthroscopy"),
        ("Right knee arthroscopy with evaluation of ACL", "Surgery", "arthroscopy"),
        ("PA assist", "Surgery", "surgical assistant"),
        ("Consult with hip replacement specialist", "Evaluation & Management",
         "consultation/referral"),
        ("Follow up office visit times 2", "Evaluation & Management", "office visits"),
        ("Functional restoration program, 80 hours", "Programs",
         "functional restoration program"),
        ("Cognitive behavioral therapy, 6 sessions", "Behavioral health", "psychotherapy"),
        ("Home health aide 4 hours a day", "Home health", "home health services"),
        ("Transportation to/from all medical appointments", "Other", "transportation"),
        ("Something unheard of", "Other", None),
    ],
)  # fmt: skip
def test_categorise(treatment: str, category: str, subcategory: str | None) -> None:
    assert categorise(treatment, parse_service(treatment)) == (category, subcategory)


@pytest.mark.parametrize(
    ("brand", "generic"),
    [
        ("Vicodin", "hydrocodone/acetaminophen"),
        ("Percocet", "oxycodone/acetaminophen"),
        ("Ultram", "tramadol"),
        ("Lyrica", "pregabalin"),
        ("Neurontin", "gabapentin"),
        ("Flexeril", "cyclobenzaprine"),
        ("Soma", "carisoprodol"),
        ("Voltaren", "diclofenac"),
        ("Lidoderm", "lidocaine patch"),
        ("Celebrex", "celecoxib"),
        ("Mobic", "meloxicam"),
        ("Prilosec", "omeprazole"),
        ("Ambien", "zolpidem"),
        ("Cymbalta", "duloxetine"),
    ],
)
def test_brand_names_map_to_generics(brand: str, generic: str) -> None:
    found = find_drug(f"{brand} 10mg #30")
    assert found is not None
    assert found[0] == brand
    assert found[1].generic == generic


def test_drug_names_are_unique_and_lower_case() -> None:
    names = [name for drug in load_drugs().drugs for name in drug.names]
    assert len(names) == len(set(names))
    assert all(name == name.lower() for name in names)


def test_drug_name_inside_a_word_is_not_a_drug() -> None:
    assert find_drug("Somatic dysfunction treatment") is None


@pytest.mark.parametrize(
    ("treatment", "visits"),
    [
        ("Physical therapy 3 visits per week for 2 weeks", 6),
        ("Six physical therapy sessions two times a week for three weeks", 6),
        ("Chiropractic physiotherapy 2 times a week for 4 weeks (8 sessions)", 8),
    ],
)
def test_visits_in_a_schedule_are_a_rate_not_a_total(treatment: str, visits: int) -> None:
    assert parse_service(treatment).visits == visits


@pytest.mark.parametrize(
    ("treatment", "category", "subcategory"),
    [
        ("Evaluation for lumbar fusion", "Evaluation & Management", "consultation/referral"),
        ("H-wave 30 day trial", "DMEPOS", "electrical stimulation unit"),
        ("Vascutherm unit rental for 14 days", "DMEPOS", "cold/heat therapy devices"),
        ("Bone growth stimulator unit purchase", "DMEPOS", "other DME"),
        ("Pre-operative EKG", "Diagnostic imaging", "ECG"),
        ("Referral to physical therapy for the low back", "Rehabilitation", "physical therapy"),
    ],
)
def test_category_decision_order(treatment: str, category: str, subcategory: str) -> None:
    assert categorise(treatment, parse_service(treatment)) == (category, subcategory)


def _first_rule_searched(text: str) -> ServiceRule | None:
    """The reference for :func:`match_rule`: every rule searched in order."""
    return next((rule for rule in load_rules().rules if rule.pattern.search(text)), None)


@pytest.mark.parametrize(
    "treatment",
    ["Referral to physical therapy", "Physical therapy \u00d7 8", "TENS unit", "Norco #60", ""],
)
def test_rule_prefilter_keeps_the_first_matching_rule(treatment: str) -> None:
    assert match_rule(treatment) == _first_rule_searched(treatment)


@pytest.mark.corpus
def test_rule_prefilter_keeps_the_first_matching_rule_on_every_corpus_item(
    corpus_dir: Path,
) -> None:
    treatments = {
        text
        for pdf in sorted((corpus_dir / "pdf").glob("*.pdf"))
        for item in extract(pdf.read_bytes()).items
        for text in (item.treatment, *(p.remaining for p in [item.partial_certification] if p))
    }
    assert len(treatments) > 100
    matched = [t for t in treatments if match_rule(t) is not None]
    assert len(matched) > len(treatments) // 2  # not vacuous
    assert [t for t in treatments if match_rule(t) != _first_rule_searched(t)] == []
