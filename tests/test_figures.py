"""Figures drawn from data: the PRISMA boxes' text, a 300 dpi PNG and an SVG, and the cache."""
import shutil
from pathlib import Path

import panflute as pf
from PIL import Image

from thesiskit.directives import concept_model, prisma_flow
from thesiskit import data
from thesiskit.context import Context
from thesiskit.problems import Problems
from thesiskit.project import Project

from .conftest import GOLDEN_DATA



def context(root: Path) -> tuple[Context, object]:
    problems = Problems()
    review = data.load_review(root, "data/review.yaml", None, problems)
    assert not problems.items
    project = Project(root=root, metadata={}, documents=[], bibliography=[])
    return Context(project=project, profile={}, target="thesis", known_targets=["thesis"], problems=problems), review


def test_prisma_boxes_say_what_the_counts_say():
    _, review = context(GOLDEN_DATA)
    boxes = {name: prisma_flow.box_text(box) for name, box in prisma_flow.boxes(review.prisma).items()}
    # screened with the database records: one column, the other methods' records listed in it
    assert boxes["identified"] == "Records identified from:\nDatabases (n = 100)\nCitation searching (n = 5)"
    assert "other_identified" not in boxes and "previous" not in boxes
    assert boxes["head_dbr"] == "Identification of studies via databases, registers and other methods"
    assert boxes["removed"] == "Records removed before screening:\nDuplicate records (n = 25)"
    assert boxes["screened"] == "Records screened\n(n = 80)"
    assert boxes["excluded"] == "Records excluded (n = 70):\nTitles (n = 60)\nAbstracts (n = 10)"
    assert boxes["reports_excluded"] == ("Reports excluded (n = 6):\nNot qualitative (n = 4)\n"
                                         "Not a mental health setting (n = 2)")
    assert boxes["included"] == "Studies included in review\n(n = 3)\nReports of included studies\n(n = 3)"


def test_figures_are_drawn_once_as_png_and_svg(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(GOLDEN_DATA, root)
    ctx, review = context(root)
    for module in (prisma_flow, concept_model):
        [para] = module.render({}, review, ctx)
        image = para.content[0]
        assert isinstance(image, pf.Image)
        png, svg = root / image.url, root / image.attributes["vector"]
        with Image.open(png) as picture:
            assert round(picture.info["dpi"][0]) >= 300
        assert svg.read_text().lstrip().startswith("<?xml") and "<svg" in svg.read_text()
        stamp = png.stat().st_ino  # a file written again is a new one (the cache renames into place)
        [again] = module.render({}, review, ctx)
        assert again.content[0].url == image.url and png.stat().st_ino == stamp  # cached, not redrawn

