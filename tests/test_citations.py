"""Tier 3 on a small project: what citeproc with apa.csl must get right for APA 7."""
import docx

from .conftest import make_project, run_build

BIB = r"""
@article{smith2012a,
  title = {First Study of Peer Work},
  author = {Smith, Jane},
  year = {2012},
  journal = {Journal of Tests},
  volume = {1},
  pages = {1--10}
}

@article{smith2012b,
  title = {Second Study of Peer Work},
  author = {Smith, Jane},
  year = {2012},
  journal = {Journal of Tests},
  volume = {2},
  pages = {11--20}
}

@article{vanvugt2012,
  title = {Consumer-Providers in Assertive Community Treatment Programs},
  author = {{van Vugt}, M. D. and Kroon, H. and Delespaul, P. A. E. G. and Mulder, C. L.},
  year = {2012},
  journal = {Psychiatric Services},
  volume = {63},
  number = {5},
  pages = {477--481},
  doi = {10.1176/appi.ps.201000549}
}
"""

CHAPTER = """---
title: Citation Forms
keywords: [tests]
---

::: abstract
A short abstract.
:::

# Introduction

Two studies by one author in one year [@smith2012a; @smith2012b]. @smith2012a [p. 4] says so,
as do others [@vanvugt2012, pp. 477-478]. Authors only once: [-@smith2012b].
"""


def test_apa_disambiguation_particles_and_locators(tmp_path):
    project = make_project(tmp_path / "p", CHAPTER, BIB)
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    text = "\n".join(p.text for p in docx.Document(str(project / "build/thesis/thesis.docx")).paragraphs)
    assert "(Smith, 2012a, 2012b)" in text                 # year suffixes, one author named once
    assert "Smith (2012a, p. 4)" in text                   # narrative with locator
    assert "(van Vugt et al., 2012, pp. 477–478)" in text  # particle kept, et al., page range with en dash
    assert "(2012b)" in text                               # suppressed author
    refs = [p.text for p in docx.Document(str(project / "build/thesis/thesis.docx")).paragraphs
            if p.style.name == "Bibliography"]
    assert refs[0].startswith("Smith, J. (2012a). First study of peer work.")
    assert refs[1].startswith("Smith, J. (2012b).")
    assert refs[2].startswith("van Vugt, M. D., Kroon, H., Delespaul, P. A. E. G., & Mulder, C. L. (2012).")
