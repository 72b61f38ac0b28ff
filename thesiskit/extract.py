"""What a reader, or a program, can read in a finished output: the texts the privacy scans search.

Every kind of file the build writes is read as its readers get it, not as we meant to write it:
  .docx   every part of the package: the text of each XML part (runs of a paragraph joined, so a
          name split across runs is whole), every attribute value (link targets, alt text,
          bookmarks), comments, and each media file as below
  .pdf    the text of every page, the document information and the XMP metadata
  .html   the text, every attribute and every comment
  .svg    the same as HTML: its <text>, <title>, <desc>, attributes, metadata and comments
  .png    text chunks (tEXt, zTXt, iTXt) and EXIF
  .jpg    comments, EXIF, XMP and IPTC segments
  others  the file as UTF-8 text (typst source, Markdown, JSON)
Pixels are not read: a term drawn into an image is searched in the text it was drawn from.
"""
from __future__ import annotations

import base64
import html
import re
import struct
import zipfile
import zlib
from pathlib import Path

XML_BREAKS = re.compile(r"</w:p>|<w:tab/>|<w:br[^>]*/>|<w:cr/>|</w:tc>|</a:p>|</text:p>|</text:h>")
TAGS = re.compile(r"<[^>]*>")
ATTRIBUTES = re.compile(r"""\s[\w:.-]+\s*=\s*(?:"([^"]*)"|'([^']*)')""")
COMMENTS = re.compile(r"<!--(.*?)-->", re.S)
DATA_URI = re.compile(r"data:image/([\w+.-]+);base64,([A-Za-z0-9+/=\s]+)")
BLOCK_TAGS = re.compile(r"</?(p|div|h[1-6]|li|td|th|tr|br|section|table|title|tspan|text|g)\b[^>]*>", re.I)


def texts(path: Path, name: str | None = None, data: bytes | None = None) -> list[tuple[str, str]]:
    """(where in the file, text) pairs: 'word/document.xml', 'word/media/image1.png', 'page 3'. The
    kind of file is its path's; name is how to show it."""
    name = name or path.name
    suffix = path.suffix.lower()
    if data is None:
        data = path.read_bytes()
    if suffix in (".docx", ".xlsx", ".pptx", ".odt"):
        return _package(data, name)
    if suffix == ".pdf":
        return _pdf(data, name)
    if suffix in (".html", ".htm", ".svg", ".xml", ".rels"):
        return _markup(data.decode("utf-8", "replace"), name)
    if suffix == ".png":
        return [(name, text) for text in png_texts(data)]
    if suffix in (".jpg", ".jpeg"):
        return [(name, text) for text in jpeg_texts(data)]
    if suffix in (".gif", ".bmp", ".tif", ".tiff", ".webp", ".emf", ".wmf", ".ttf", ".otf", ".woff", ".woff2"):
        return [(name, data.decode("latin-1"))]  # no structure we read; any embedded string still counts
    return [(name, data.decode("utf-8", "replace"))]


def _package(data: bytes, name: str) -> list[tuple[str, str]]:
    import io

    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.namelist():
            where = f"{name}:{member}"
            out.append((where, member))  # a part's own name may hold a name too (media/diane.png)
            content = archive.read(member)
            if member.endswith((".xml", ".rels")):
                out += _markup(content.decode("utf-8", "replace"), where, docx=True)
            else:
                out += texts(Path(member), where, content)
    return out


def _markup(text: str, where: str, docx: bool = False) -> list[tuple[str, str]]:
    """The text (tags removed, paragraphs kept apart), the attribute values and the comments."""
    breaks = XML_BREAKS if docx else BLOCK_TAGS
    body = html.unescape(TAGS.sub("", breaks.sub(" ", COMMENTS.sub(" ", text))))
    attributes = " \n".join(html.unescape(a or b) for a, b in ATTRIBUTES.findall(text) if not (a or b).startswith("data:"))
    comments = " \n".join(html.unescape(c) for c in COMMENTS.findall(text))
    found = [(where, body), (f"{where} (attributes)", attributes), (f"{where} (comments)", comments)]
    for n, (kind, payload) in enumerate(DATA_URI.findall(text), start=1):  # images embedded in a web page
        try:
            media = base64.b64decode(payload, validate=False)
        except ValueError:
            continue
        found += texts(Path(f"embedded-{n}.{kind.split('+')[0]}"), f"{where} (embedded image {n})", media)
    if not docx:  # inline tags may stand between two words with no space (<b>Diane</b><i>Patton</i>)
        found.append((where, html.unescape(TAGS.sub(" ", COMMENTS.sub(" ", text)))))
    return found


def _pdf(data: bytes, name: str) -> list[tuple[str, str]]:
    import pypdfium2 as pdfium

    out = []
    document = pdfium.PdfDocument(data)
    try:
        out.append((f"{name} (properties)", " \n".join(f"{k}: {v}" for k, v in document.get_metadata_dict().items())))
        for number in range(len(document)):
            page = document[number]
            textpage = page.get_textpage()
            out.append((f"{name} page {number + 1}", textpage.get_text_range()))
            textpage.close()
            page.close()
    finally:
        document.close()
    for packet in re.findall(rb"<x:xmpmeta.*?</x:xmpmeta>", data, re.S):  # XMP is stored uncompressed
        out += _markup(packet.decode("utf-8", "replace"), f"{name} (XMP metadata)")
    return out


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_TEXT = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME", b"iCCP"}  # what a PNG may say besides its pixels


def png_chunks(data: bytes):
    """(type, body, start, end) of each chunk of a PNG; nothing when it is not one."""
    if not data.startswith(PNG_SIGNATURE):
        return
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        yield kind, data[pos + 8:pos + 8 + length], pos, end
        pos = end
        if kind == b"IEND":
            break


def png_texts(data: bytes) -> list[str]:
    out = []
    for kind, body, _start, _end in png_chunks(data):
        if kind == b"tEXt":
            out.append(body.decode("latin-1").replace("\0", ": "))
        elif kind == b"zTXt":
            keyword, _, rest = body.partition(b"\0")
            out.append(keyword.decode("latin-1") + ": " + _inflate(rest[1:]).decode("latin-1"))
        elif kind == b"iTXt":
            keyword, _, rest = body.partition(b"\0")
            compressed, rest = rest[:1] == b"\x01", rest[2:]
            _language, _, rest = rest.partition(b"\0")
            translated, _, text = rest.partition(b"\0")
            text = _inflate(text) if compressed else text
            out.append(f"{keyword.decode('latin-1')}: {translated.decode('utf-8', 'replace')} "
                       f"{text.decode('utf-8', 'replace')}")
        elif kind in (b"eXIf", b"iCCP"):
            out.append(body.decode("latin-1"))
    return out


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return data


def jpeg_segments(data: bytes):
    """(marker, body, start, end) of each segment before the image data of a JPEG."""
    if not data.startswith(b"\xff\xd8"):
        return
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the compressed image follows
            break
        if marker in (0x01, *range(0xD0, 0xD8)):
            pos += 2
            continue
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        yield marker, data[pos + 4:pos + 2 + length], pos, pos + 2 + length
        pos += 2 + length


def jpeg_texts(data: bytes) -> list[str]:
    """COM and APPn segments (EXIF, XMP, IPTC, ICC) as text; their strings are what can name someone."""
    return [body.decode("utf-8", "replace") if body.lstrip().startswith(b"<") or b"xmp" in body[:40].lower()
            else body.decode("latin-1")
            for marker, body, _s, _e in jpeg_segments(data) if marker == 0xFE or 0xE1 <= marker <= 0xEF]
