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
from panflute.containers import DictContainer, ListContainer


def items(container) -> list:
    """The elements a ListContainer or DictContainer holds, each told its parent (panflute does this
    lazily on item access, one slow __getitem__ at a time; code such as lints reads .parent). The
    fields are set as panflute's attach() sets them, without its call and type test per element:
    a container holds elements only (its oktypes), and this is the build's hottest path."""
    if isinstance(container, ListContainer):
        parent, location = container.parent, container.location
        found = container.list
        for index, child in enumerate(found):
            child.parent = parent
            child.location = location
            child.index = index
        return found
    if isinstance(container, DictContainer):
        parent, location = container.parent, container.location
        found = list(container.dict.values())
        for child in found:
            child.parent = parent
            child.location = location
            child.index = None
        return found
    return list(container)


def elements(root: pf.Element) -> Iterator[pf.Element]:
    """root and every element under it, each parent before its children, in document order.
    The tree must not change shape while this runs."""
    stack = [root]
    pop, push = stack.pop, stack.extend
    element = pf.Element
    while stack:
        elem = pop()
        yield elem
        names = elem._children
        if not names:  # a leaf (Str, Space, ...): most of the elements of a text
            continue
        if len(names) == 1:  # one list of children (Para, Div, Emph, ...): no copy of it to make
            child = getattr(elem, names[0])
            if isinstance(child, element):
                stack.append(child)
            elif child is not None:
                push(reversed(items(child)))
            continue
        found = []  # children(elem), written out
        for name in names:
            child = getattr(elem, name)
            if isinstance(child, element):
                found.append(child)
            elif child is not None:
                found.extend(items(child))
        push(reversed(found))


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


def collect(root: pf.Element, *types: type) -> dict[type, list]:
    """type -> the elements of that type under root (root included), in document order: one walk
    for a stage that looks for several kinds of element (the check stage: citations, tables and
    figures) instead of one walk per kind. An element is filed under the first of types it is."""
    found: dict[type, list] = {kind: [] for kind in types}
    for elem in elements(root):
        for kind in types:
            if isinstance(elem, kind):
                found[kind].append(elem)
                break
    return found


# ---------------------------------------------------------------- pandoc's JSON

def find(value, kind: str) -> Iterator[dict]:
    """In pandoc's JSON (plain dicts and lists, as the writers' lowering works on it): the elements
    of one kind ("Table", "Div") inside value, outermost first, in document order, not looking
    inside what is found (which the caller may change). Iterative: a recursive generator pays a
    frame per level of nesting for every element it passes up."""
    stack = [value]
    pop, push = stack.pop, stack.extend
    while stack:
        value = pop()
        if isinstance(value, list):
            push(reversed(value))
        elif isinstance(value, dict):
            if value.get("t") == kind:
                yield value
            else:
                inner = value.get("c")
                if isinstance(inner, (list, dict)):
                    stack.append(inner)
