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


AND_BIB = r"""
@article{kido2017,
  title = {Consumer providers' experiences},
  author = {Kido, Y. and Kayama, M.},
  year = {2017}, journal = {PLOS ONE}, volume = {12}, number = {3}, pages = {e0173330}
}
@article{lee2020a,
  title = {First three-author study},
  author = {Lee, A. and Jones, B. and Brown, C.},
  year = {2020}, journal = {Journal of Tests}, volume = {5}, pages = {1--9}
}
@article{lee2020b,
  title = {Second three-author study},
  author = {Lee, A. and Jones, B. and Smith, D.},
  year = {2020}, journal = {Journal of Tests}, volume = {5}, pages = {10--19}
}
@article{park2019,
  title = {Three authors, et al. from the first citation},
  author = {Park, E. and Ross, F. and Diaz, G.},
  year = {2019}, journal = {Journal of Tests}, volume = {4}, pages = {1--5}
}
@report{cvuhb2019,
  title = {Peer support strategy},
  author = {{Cardiff \& Vale University Health Board} and Hale, P.},
  year = {2019}, institution = {NHS Wales}
}
"""

AND_CHAPTER = """---
title: Narrative and Parenthetical Citations
keywords: [tests]
---

::: abstract
A short abstract.
:::

# Introduction

@kido2017 found it, as others did [@kido2017]. @kido2017 [p. 6] says so, and so it is
[@kido2017, p. 6]. @lee2020a and @lee2020b [pp. 3-4] disagree [@lee2020a; @lee2020b]. @park2019
[p. 2] and [@park2019] are one work. The board
[@cvuhb2019] and @cvuhb2019 agree. @kido2017 [see also @lee2020a] too.

::: {#tbl:studies title="Studies"}
| Study | Source |
|:------|:-------|
| @kido2017 | [@kido2017] |
| @lee2020b | [@lee2020b, p. 2] |
:::
"""


def test_narrative_citations_say_and_parenthetical_keep_the_ampersand(tmp_path):
    """APA 7, 8.17: "and" in narrative citations, "&" in parentheses and in the reference list;
    a table cell follows the same rule (its [@key] is parenthetical, its @key narrative)."""
    project = make_project(tmp_path / "p", AND_CHAPTER, AND_BIB)
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    document = docx.Document(str(project / "build/thesis/thesis.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Kido and Kayama (2017) found it, as others did (Kido & Kayama, 2017)." in text
    assert "Kido and Kayama (2017, p. 6) says so, and so it is (Kido & Kayama, 2017, p. 6)." in text
    # three authors, written out in full to tell two works apart: APA's serial comma before "and"
    assert "Lee, Jones, and Brown (2020) and Lee, Jones, and Smith (2020, pp. 3–4) disagree" in text
    assert "(Lee, Jones, & Brown, 2020; Lee, Jones, & Smith, 2020)" in text
    assert "Park et al. (2019, p. 2) and (Park et al., 2019) are one work" in text  # three authors otherwise
    # a group author's own "&" is its name
    assert "(Cardiff & Vale University Health Board & Hale, 2019) and Cardiff & Vale University Health " \
           "Board and Hale (2019) agree" in text
    # the parentheses of a narrative citation are parenthetical
    assert "Kido and Kayama (2017; see also Lee, Jones, & Brown, 2020) too" in text
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert cells[2:6] == ["Kido and Kayama (2017)", "(Kido & Kayama, 2017)", "Lee, Jones, and Smith (2020)",
                          "(Lee, Jones, & Smith, 2020, p. 2)"]
    refs = [p.text for p in document.paragraphs if p.style.name == "Bibliography"]
    assert any(r.startswith("Kido, Y., & Kayama, M. (2017).") for r in refs)
    assert any(r.startswith("Lee, A., Jones, B., & Brown, C. (2020).") for r in refs)


NUMBER_BIB = r"""
@article{plos2021,
  title = {An article with an e-locator},
  author = {Aakerblom, K. B. and Ness, O.},
  year = {2021}, journal = {PLOS ONE}, volume = {16}, number = {3}, pages = {e0248558}
}
@article{bmc2014,
  title = {An article with an article number},
  author = {Toye, F.},
  year = {2014}, journal = {BMC Medical Research Methodology}, volume = {14}, eid = {80}
}
@article{online2021,
  title = {An article online before its issue},
  author = {Forbes, J.},
  year = {2021}, journal = {Psychiatric Rehabilitation Journal}, pubstate = {Advance online publication},
  doi = {10.1037/prj0000475}
}
"""


def test_article_numbers_are_printed_as_apa_asks(tmp_path):
    """APA 7 (9.25): "Article e0248558"; pandoc's .bib readers never give apa.csl the number it prints
    so, from an e-locator in pages or from BibLaTeX's eid; and an article online before its issue."""
    chapter = AND_CHAPTER.split("# Introduction")[0] + "# Introduction\n\nCited [@plos2021; @bmc2014; @online2021].\n"
    project = make_project(tmp_path / "p", chapter, NUMBER_BIB)
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    refs = [p.text for p in docx.Document(str(project / "build/thesis/thesis.docx")).paragraphs
            if p.style.name == "Bibliography"]
    assert "Aakerblom, K. B., & Ness, O. (2021). An article with an e-locator. PLOS ONE, 16(3), Article e0248558." in refs
    assert "Toye, F. (2014). An article with an article number. BMC Medical Research Methodology, 14, Article 80." in refs
    assert any(r.startswith("Forbes, J. (2021). An article online before its issue. Psychiatric Rehabilitation "
                            "Journal. Advance online publication. https://doi.org/10.1037/prj0000475") for r in refs)
