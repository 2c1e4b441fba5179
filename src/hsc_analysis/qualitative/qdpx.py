"""REFI-QDA project exchange files (``.qdpx``): read into ``CodedInterviews``, and write one.

A ``.qdpx`` is a zip holding ``project.qde``, an XML document in the ``urn:QDA-XML:project:1.0`` namespace
(REFI-QDA Project standard 1.0, exported by NVivo, ATLAS.ti, MAXQDA and QDA Miner): ``Users/User`` (the coders),
``CodeBook/Codes/Code`` (nested: a child code sits under its parent theme), ``Variables/Variable``, ``Cases/Case``
(with ``VariableValue`` and ``SourceRef``) and ``Sources/TextSource`` (the text inline as ``PlainTextContent`` or in
the zip at ``plainTextPath``), whose ``PlainTextSelection`` elements (``startPosition``/``endPosition`` in characters)
carry ``Coding`` elements pointing at a code through ``CodeRef/@targetGUID``.
"""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from hsc_analysis.errors import DataError
from hsc_analysis.qualitative.project import SEGMENT_COLUMNS, CodedInterviews, flag_frame, pseudonyms

__all__ = ["MAX_MEMBER_BYTES", "read_qdpx", "write_qdpx"]

MAX_MEMBER_BYTES = 64 * 2**20
"""The largest uncompressed ``project.qde`` or text file read from a ``.qdpx`` (64 MiB): a zip bomb stops here."""

_NS = "urn:QDA-XML:project:1.0"
_TEXT_SOURCE = "TextSource"


def read_qdpx(path: str | Path, *, role_variable: str = "role", variables: tuple[str, ...] = ()) -> CodedInterviews:
    """Read a REFI-QDA ``.qdpx`` project: codebook, interviews (pseudonymised), coded segments and coders.

    Parameters
    ----------
    path : str or Path
        The ``.qdpx`` file.
    role_variable : str
        The case or source variable that holds the speaker's stakeholder role (e.g. 教师, 家长).
    variables : tuple of str
        Further case or source variables to keep as columns of ``interviews`` (e.g. ``("locale",)``); only the
        ones named, since a project's variables can hold personal data.

    Returns
    -------
    CodedInterviews
        Interviews named ``I01`` … in the order of ``Sources`` (source names, which usually carry the speaker's
        name, are not kept). A coding whose code is not in the codebook, whose selection lies outside its source's
        text (``0 ≤ start < end ≤ length``) or that names no coder (neither ``Coding`` nor ``PlainTextSelection``
        has ``creatingUser``, or the user is not in ``Users``) is left out and listed in ``flagged`` with its
        element; a non-text source (PDF, picture, audio) is listed there too.

    Raises
    ------
    DataError
        When the file is not a zip, holds no ``project.qde``, a member is larger than :data:`MAX_MEMBER_BYTES`,
        the XML is malformed or declares entities (refused as an XML bomb), or an element lacks a required
        attribute; the message names the file and the element.
    """
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except zipfile.BadZipFile:
        raise DataError(f"{path}: not a .qdpx (a REFI-QDA project is a zip holding project.qde)") from None
    with archive:
        names = {name.lower(): name for name in archive.namelist()}
        if "project.qde" not in names:
            raise DataError(f"{path}: no project.qde in the archive; a .qdpx holds it at the top level")
        root = _parse(_member(archive, names["project.qde"], path), path)
        return _project(root, archive=archive, names=names, path=path, role_variable=role_variable, variables=variables)


def _member(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_MEMBER_BYTES:
        raise DataError(f"{path}: {name} unpacks to {info.file_size} bytes; at most {MAX_MEMBER_BYTES} are read")
    with archive.open(info) as handle:
        data = handle.read(MAX_MEMBER_BYTES + 1)  # the header's size can lie: bound what is actually read
    if len(data) > MAX_MEMBER_BYTES:
        raise DataError(f"{path}: {name} unpacks to more than {MAX_MEMBER_BYTES} bytes; refused")
    return data


def _parse(data: bytes, path: Path) -> ElementTree.Element:
    try:
        return fromstring(data)
    except DefusedXmlException as error:
        raise DataError(f"{path}: project.qde declares entities or a DTD ({type(error).__name__}); refused") from None
    except ElementTree.ParseError as error:
        raise DataError(f"{path}: project.qde is not well-formed XML ({error})") from None


def _find(element, tag):
    return element.find(f"{{{_NS}}}{tag}") if element is not None else None


def _children(element, tag):
    return element.findall(f"{{{_NS}}}{tag}") if element is not None else []


def _required(element, attribute: str, path: Path, where: str) -> str:
    value = element.get(attribute)
    if value is None:
        raise DataError(f"{path}: {where} has no {attribute} attribute, which REFI-QDA requires")
    return value


def _project(root, *, archive, names, path: Path, role_variable: str, variables: tuple[str, ...]) -> CodedInterviews:
    if root.tag != f"{{{_NS}}}Project":
        raise DataError(f"{path}: project.qde's root is {root.tag}; a REFI-QDA project has Project in {_NS}")
    users = {
        _required(u, "guid", path, "Users/User"): u.get("name") or _required(u, "guid", path, "User")
        for u in _children(_find(root, "Users"), "User")
    }
    codes: dict[str, str] = {}
    codebook: list[tuple[str, str | None, str | None]] = []

    pending = [(code, None) for code in reversed(_children(_find(_find(root, "CodeBook"), "Codes"), "Code"))]
    while pending:  # depth first, in document order, without recursion (a hostile file may nest deeply)
        code, parent_name = pending.pop()
        guid = _required(code, "guid", path, "CodeBook/Codes/Code")
        name = _required(code, "name", path, f"Code {guid}")
        description = _find(code, "Description")
        codes[guid] = name
        codebook.append((name, description.text if description is not None else None, parent_name))
        pending.extend((child, name) for child in reversed(_children(code, "Code")))
    declared = {v.get("guid"): v.get("name") for v in _children(_find(root, "Variables"), "Variable")}
    wanted = (role_variable, *variables)

    def values_of(element) -> dict[str, str | None]:
        found = {}
        for value in _children(element, "VariableValue"):
            ref = _find(value, "VariableRef")
            name = declared.get(ref.get("targetGUID")) if ref is not None else None
            if name in wanted:
                text = next((child.text for child in value if not child.tag.endswith("VariableRef")), None)
                found[name] = text
        return found

    case_values: dict[str, dict[str, str | None]] = {}
    for case in _children(_find(root, "Cases"), "Case"):
        found = values_of(case)
        for ref in _children(case, "SourceRef"):
            case_values.setdefault(ref.get("targetGUID"), {}).update(found)

    flagged, rows, interviews = [], [], []
    sources = list(_find(root, "Sources") if _find(root, "Sources") is not None else [])
    text_sources = [s for s in sources if s.tag == f"{{{_NS}}}{_TEXT_SOURCE}"]
    flagged.extend(
        (path.name, f"{s.tag.split('}')[-1]} {s.get('guid')}", "only text sources are read")
        for s in sources
        if s.tag != f"{{{_NS}}}{_TEXT_SOURCE}"
    )
    for pseudonym, source in zip(pseudonyms(len(text_sources)), text_sources, strict=True):
        guid = _required(source, "guid", path, "Sources/TextSource")
        text = _source_text(source, archive=archive, names=names, path=path, guid=guid)
        found = case_values.get(guid, {}) | values_of(source)
        if found.get(role_variable) is None:
            flagged.append((path.name, f"TextSource {guid}", f"no {role_variable!r} variable: role unknown"))
        interviews.append((pseudonym, found.get(role_variable), len(text), *(found.get(v) for v in variables)))
        for selection in _children(source, "PlainTextSelection"):
            where = f"TextSource {guid} / PlainTextSelection {selection.get('guid')}"
            start = _position(selection, "startPosition", path, where)
            end = _position(selection, "endPosition", path, where)
            if not 0 <= start < end <= len(text):
                flagged.append((path.name, where, f"selection {start}–{end} outside the text (0–{len(text)})"))
                continue
            for coding in _children(selection, "Coding"):
                ref = _find(coding, "CodeRef")
                target = ref.get("targetGUID") if ref is not None else None
                coder = users.get(coding.get("creatingUser") or selection.get("creatingUser"))
                element = f"{where} / Coding {coding.get('guid')}"
                if target not in codes:
                    flagged.append((path.name, element, f"code {target} is not in the codebook"))
                elif coder is None:
                    flagged.append((path.name, element, "no coder: creatingUser missing or not in Users"))
                else:
                    segment = f"{pseudonym}:{start}-{end}"
                    rows.append((segment, pseudonym, start, end, codes[target], coder, text[start:end]))
    return CodedInterviews(
        codebook=pd.DataFrame(codebook, columns=["code", "definition", "parent"]),
        interviews=pd.DataFrame(interviews, columns=["interview", "role", "length", *variables]),
        segments=pd.DataFrame(rows, columns=list(SEGMENT_COLUMNS)),
        coders=tuple(users.values()),
        flagged=flag_frame(flagged),
        source=str(path),
    )


def _position(selection, attribute: str, path: Path, where: str) -> int:
    value = _required(selection, attribute, path, where)
    try:
        return int(value)
    except ValueError:
        raise DataError(f"{path}: {where} has {attribute}={value!r}; it must be a whole number") from None


def _source_text(source, *, archive, names, path: Path, guid: str) -> str:
    inline = _find(source, "PlainTextContent")
    if inline is not None:
        return inline.text or ""
    location = source.get("plainTextPath")
    if location is None:
        raise DataError(f"{path}: TextSource {guid} has neither PlainTextContent nor plainTextPath")
    member = location.removeprefix("internal://")
    name = names.get(f"sources/{member}".lower()) or names.get(member.lower())
    if name is None:
        raise DataError(f"{path}: TextSource {guid} points at {location}, which is not in the archive")
    try:
        return _member(archive, name, path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path}: {name} (text of TextSource {guid}) is not UTF-8") from None


def write_qdpx(
    codebook: pd.DataFrame,
    interviews: pd.DataFrame,
    segments: pd.DataFrame,
    path: str | Path,
    *,
    name: str = "interviews",
    variables: tuple[str, ...] = ("role",),
) -> Path:
    """Write a REFI-QDA ``.qdpx`` project: codebook, text sources with a role variable, coded selections, coders.

    Parameters
    ----------
    codebook : DataFrame
        ``code, definition, parent`` (parents listed before their children).
    interviews : DataFrame
        ``name, text`` and the ``variables`` columns: one text source per row, in order.
    segments : DataFrame
        ``source, start, end, code, coder``: ``source`` the row position in ``interviews``; one
        ``PlainTextSelection`` per distinct (source, start, end), one ``Coding`` per code and coder on it.
    path : str or Path
        The file to write.
    variables : tuple of str
        Columns of ``interviews`` written as text variables of each source (a missing value is left out).

    Notes
    -----
    GUIDs are UUID 5 of the element's content, so the same input gives a byte-identical file (entries dated
    1980-01-01). The text is inline (``PlainTextContent``), the variables ``VariableValue`` elements of each source.
    """
    path = Path(path)
    ET = ElementTree
    ns = uuid.uuid5(uuid.NAMESPACE_URL, f"hsc_analysis/qdpx/{name}")

    def guid(*parts) -> str:
        return str(uuid.uuid5(ns, "/".join(map(str, parts)))).upper()

    root = ET.Element("Project", {"name": name, "origin": "hsc_analysis", "xmlns": _NS})
    users = ET.SubElement(root, "Users")
    for coder in pd.unique(segments["coder"]):
        ET.SubElement(users, "User", {"guid": guid("user", coder), "name": str(coder)})
    codes = ET.SubElement(ET.SubElement(root, "CodeBook"), "Codes")
    placed = {}
    for row in codebook.itertuples(index=False):
        parent = placed[row.parent] if isinstance(row.parent, str) else codes
        element = ET.SubElement(parent, "Code", {"guid": guid("code", row.code), "name": row.code, "isCodable": "true"})
        if isinstance(row.definition, str):
            ET.SubElement(element, "Description").text = row.definition
        placed[row.code] = element
    declared = ET.SubElement(root, "Variables")
    for variable in variables:
        ET.SubElement(
            declared, "Variable", {"guid": guid("variable", variable), "name": variable, "typeOfVariable": "Text"}
        )
    sources = ET.SubElement(root, "Sources")
    by_source = segments.groupby("source", sort=True)
    for position, row in enumerate(interviews.to_dict("records")):
        source = ET.SubElement(sources, "TextSource", {"guid": guid("source", position), "name": row["name"]})
        ET.SubElement(source, "PlainTextContent").text = row["text"]
        if position in by_source.groups:
            for (start, end), codings in by_source.get_group(position).groupby(["start", "end"], sort=True):
                selection = ET.SubElement(
                    source,
                    "PlainTextSelection",
                    {
                        "guid": guid("selection", position, start, end),
                        "startPosition": str(start),
                        "endPosition": str(end),
                    },
                )
                for coding in codings.itertuples(index=False):
                    user = guid("user", coding.coder)
                    element = ET.SubElement(
                        selection,
                        "Coding",
                        {"guid": guid("coding", position, start, end, coding.code, coding.coder), "creatingUser": user},
                    )
                    ET.SubElement(element, "CodeRef", {"targetGUID": guid("code", coding.code)})
        for variable in variables:
            if isinstance(row[variable], str):
                value = ET.SubElement(source, "VariableValue")
                ET.SubElement(value, "VariableRef", {"targetGUID": guid("variable", variable)})
                ET.SubElement(value, "TextValue").text = row[variable]
    ET.indent(root)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("project.qde", date_time=(1980, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED
        )
    return path
