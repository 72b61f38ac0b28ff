"""A supervisor's review made in LibreOffice Writer itself, through its UNO API: run by the system's
Python (which has LibreOffice's `uno` module), not by the project's.

    /usr/bin/python3 tests/lo_review.py IN.docx OUT.docx PROFILE_DIR EDITS.json

EDITS.json is a list of {"op": "comment", "find": "...", "text": "...", "author": "..."} and
{"op": "replace", "find": "...", "new": "..."}; a comment goes on the first occurrence of "find", a replacement on the last (a heading is
in the contents too). Changes are recorded as
tracked changes by the user the profile names ("author" of the first edit), and the file is saved
as Word 2007-365 (.docx), as a supervisor using LibreOffice would save it.
"""
import json
import os
import signal
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(source, target, profile, edits_file):
    edits = json.load(open(edits_file, encoding="utf-8"))
    pipe = f"thesiskit{os.getpid()}"
    office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo",
                               f"-env:UserInstallation=file://{profile}", f"--accept=pipe,name={pipe};urp;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    desktop = None
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(200):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.25)
        else:
            raise SystemExit("LibreOffice did not start")
        author = next((e["author"] for e in edits if e.get("author")), "Reviewer")
        config = ctx.ServiceManager.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider", ctx)
        user = config.createInstanceWithArguments("com.sun.star.configuration.ConfigurationUpdateAccess",
                                                  (prop("nodepath", "/org.openoffice.UserProfile/Data"),))
        given, _, family = author.partition(" ")
        user.setPropertyValue("givenname", given)
        user.setPropertyValue("sn", family)
        user.commitChanges()
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(source)), "_blank", 0,
                                           (prop("Hidden", True),))
        text = doc.getText()

        def find(needle, last=False):
            """The text's first occurrence, or its last (a heading is also in the contents, before
            it; the reviewer edits the heading itself)."""
            search = doc.createSearchDescriptor()
            search.SearchString = needle
            found = doc.findFirst(search)
            if found is None:
                raise SystemExit(f"not found: {needle!r}")
            while last:
                following = doc.findNext(found.getEnd(), search)
                if following is None:
                    break
                found = following
            return found

        for edit in edits:
            if edit["op"] == "comment":
                annotation = doc.createInstance("com.sun.star.text.textfield.Annotation")
                annotation.Author = edit.get("author", author)
                annotation.Content = edit["text"]
                text.insertTextContent(find(edit["find"]), annotation, True)
        doc.RecordChanges = True
        for edit in edits:
            if edit["op"] == "replace":
                find(edit["find"], last=True).setString(edit["new"])
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)), (prop("FilterName", "MS Word 2007 XML"),))
        doc.close(True)
    finally:
        try:
            if desktop is not None:
                desktop.terminate()
        except Exception:  # noqa: BLE001 - the bridge goes as the office quits
            pass
        try:
            office.wait(timeout=60 if desktop is not None else 5)
        except subprocess.TimeoutExpired:
            os.killpg(office.pid, signal.SIGKILL)  # soffice.bin too, not only its launcher


if __name__ == "__main__":
    main(*sys.argv[1:5])
