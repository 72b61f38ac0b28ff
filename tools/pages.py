"""Look at what the build wrote: every PDF and DOCX of a target rendered to page images, with contact
sheets to see them at a glance.

    python tools/pages.py                       # every target built under build/
    python tools/pages.py thesis jmh-submission # these targets
    python tools/pages.py thesis --dpi 80 --per-sheet 20

For each output, build/pages/<target>/<output>/ gets page-001.png, page-002.png, ... and
sheet-01.png, sheet-02.png, ...: the pages in a grid, numbered, --per-sheet to a sheet. PDFs are
rendered with pdftoppm (poppler-utils); DOCX files are first converted to PDF by LibreOffice
(`soffice --headless`), as a reader without Word sees them, when LibreOffice is installed, and
skipped with a note otherwise. Pillow draws the sheets. Nothing under build/<target>/ is changed.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help="targets to render (default: every one built under build/)")
    parser.add_argument("--project", type=Path, default=ROOT, help="the project folder (default: this repository)")
    parser.add_argument("--dpi", type=int, default=60, help="resolution of the page images (default 60)")
    parser.add_argument("--per-sheet", type=int, default=30, help="pages on one contact sheet (default 30)")
    args = parser.parse_args(argv)
    build = args.project / "build"
    targets = args.targets or sorted(p.name for p in build.iterdir()
                                     if p.is_dir() and not p.name.startswith(".") and p.name != "pages")
    if shutil.which("pdftoppm") is None:
        print("pdftoppm is not installed (apt-get install poppler-utils)", file=sys.stderr)
        return 1
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    written = 0
    for target in targets:
        folder = build / target
        if not folder.is_dir():
            print(f"{target}: not built (python build.py {target})", file=sys.stderr)
            continue
        outputs = sorted(p for p in folder.rglob("*") if p.suffix in (".pdf", ".docx") and not p.name.startswith("."))
        docx = [p for p in outputs if p.suffix == ".docx"]
        with tempfile.TemporaryDirectory() as tmp:
            converted = to_pdf(docx, Path(tmp), soffice) if docx else {}
            if docx and soffice is None:
                print(f"{target}: LibreOffice is not installed; the DOCX files are not rendered", file=sys.stderr)
            for output in outputs:
                pdf = output if output.suffix == ".pdf" else converted.get(output)
                if pdf is None:
                    continue
                rel = output.relative_to(folder)
                dest = build / "pages" / target / rel
                sheets = render(pdf, dest, args.dpi, args.per_sheet, f"{target}/{rel}")
                written += 1
                print(f"{target}/{rel}: {len(sorted(dest.glob('page-*.png')))} page(s) -> "
                      f"{', '.join(str(s.relative_to(args.project)) for s in sheets)}")
    return 0 if written else 1


def to_pdf(files: list[Path], work: Path, soffice: str | None) -> dict[Path, Path]:
    """Each DOCX as LibreOffice lays it out, as PDF (one soffice run, its own profile folder)."""
    if soffice is None:
        return {}
    out = {}
    for i, path in enumerate(files):  # the same file name in two papers' folders: one folder each
        target = work / str(i)
        target.mkdir()
        done = subprocess.run([soffice, f"-env:UserInstallation=file://{work / 'profile'}", "--headless",
                               "--convert-to", "pdf", "--outdir", str(target), str(path)],
                              capture_output=True, text=True, timeout=600)
        pdf = target / (path.stem + ".pdf")
        if done.returncode == 0 and pdf.is_file():
            out[path] = pdf
        else:
            print(f"{path}: LibreOffice could not convert it ({done.stderr.strip()[-200:]})", file=sys.stderr)
    return out


def render(pdf: Path, dest: Path, dpi: int, per_sheet: int, caption: str) -> list[Path]:
    """dest/page-NNN.png for every page, and dest/sheet-NN.png contact sheets; returns the sheets."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(dest / "page")], check=True)
    pages = sorted(dest.glob("page-*.png"))
    for i, page in enumerate(pages, start=1):  # pdftoppm pads to the page count's width: one width for all
        page.rename(dest / f"page-{i:03d}.png")
    pages = sorted(dest.glob("page-*.png"))
    return [contact_sheet(pages[start:start + per_sheet], dest / f"sheet-{n:02d}.png", start,
                          f"{caption}  pages {start + 1}-{min(start + per_sheet, len(pages))} of {len(pages)}")
            for n, start in enumerate(range(0, len(pages), per_sheet), start=1)]


def contact_sheet(pages: list[Path], path: Path, first: int, caption: str, thumb: int = 220) -> Path:
    """The pages side by side, each thumb pixels wide with its number under it."""
    from PIL import Image, ImageDraw

    images = []
    for page in pages:
        with Image.open(page) as image:
            image = image.convert("RGB")
            height = round(image.height * thumb / image.width)
            images.append(image.resize((thumb, height)))
    columns = min(6, len(images))
    rows = -(-len(images) // columns)
    cell_h = max(i.height for i in images) + 22
    gap, top = 12, 30
    sheet = Image.new("RGB", (columns * (thumb + gap) + gap, top + rows * (cell_h + gap)), (200, 200, 200))
    draw = ImageDraw.Draw(sheet)
    draw.text((gap, 8), caption, fill="black")
    for i, image in enumerate(images):
        x = gap + (i % columns) * (thumb + gap)
        y = top + (i // columns) * (cell_h + gap)
        sheet.paste(image, (x, y))
        draw.rectangle((x - 1, y - 1, x + thumb, y + image.height), outline=(90, 90, 90))
        draw.text((x + thumb // 2 - 6, y + image.height + 4), str(first + i + 1), fill="black")
    sheet.save(path)
    return path


if __name__ == "__main__":
    sys.exit(main())
