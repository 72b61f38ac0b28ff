"""Text from data files is text in every output: no raw HTML, TeX or typst gets through."""
import panflute as pf


def test_data_cells_reach_html_and_typst_as_text():
    from thesiskit import pandoc
    from thesiskit.tables import build_cells

    [cell] = build_cells(['<script>alert("x")</script> #set text(red) *kept*'])
    doc = pf.Doc(*cell)
    html = pandoc.convert(doc, ["-t", "html"])[0].decode()
    typst = pandoc.convert(doc, ["-t", "typst"])[0].decode()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<em>kept</em>" in html
    assert "\\#set" in typst and "#set" not in typst.replace("\\#set", "")
