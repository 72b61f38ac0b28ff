"""Reading the AST without rebuilding it.

panflute's walk() rebuilds every list it passes through (a new ListContainer per node, each child
type-checked and re-parented) even when the action changes nothing: about half a second per pass
over a 100,000-word thesis, and a build makes a dozen passes. Passes that only read the tree, or
change an element's own fields (a Str's text, an Image's url) without changing its shape, iterate
elements() instead.
"""
from __future__ import annotations

from typing import Iterator

import panflute as pf
from panflute.containers import DictContainer, ListContainer, attach


def items(container) -> list:
    """The elements a ListContainer or DictContainer holds, each told its parent (panflute does this
    lazily on item access, one slow __getitem__ at a time; code such as lints reads .parent)."""
    if isinstance(container, ListContainer):
        for index, child in enumerate(container.list):
            attach(child, container.parent, container.location, index)
        return container.list
    if isinstance(container, DictContainer):
        for child in container.dict.values():
            attach(child, container.parent, container.location)
        return list(container.dict.values())
    return list(container)


def elements(root: pf.Element) -> Iterator[pf.Element]:
    """root and every element under it, each parent before its children, in document order.
    The tree must not change shape while this runs."""
    stack = [root]
    while stack:
        elem = stack.pop()
        yield elem
        found = []  # children(elem), written out: this loop is the build's hottest path
        for name in elem._children:
            child = getattr(elem, name)
            if isinstance(child, pf.Element):
                found.append(child)
            elif child is not None:
                found.extend(items(child))
        stack.extend(reversed(found))


def children(elem: pf.Element) -> list[pf.Element]:
    """The elements directly under elem, in document order."""
    found = []
    for name in elem._children:
        child = getattr(elem, name)
        if isinstance(child, pf.Element):
            found.append(child)
        elif child is not None:
            found.extend(items(child))
    return found


def replace(elem: pf.Element, new: pf.Element) -> None:
    """Put new in elem's place in its parent's list (elem as elements() found it, so its parent,
    location and index are set). Replacing what elements() found, after the loop, changes the shape
    of the tree without panflute's walk rebuilding every list."""
    elem.container[elem.index] = new
