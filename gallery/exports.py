"""A selection, for the photographer's editing software: a Lightroom Classic filter string,
a Lightroom smart collection file (.lrsmcol) and a CSV. Pure functions of the photos."""

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ExportRow:
    file_name: str
    set_name: str
    lists: Sequence[str]  # whose favorites it is in
    comments: Sequence[str]  # "Anna: could you soften the background?"


def base_name(file_name: str) -> str:
    """IMG_0001.JPG -> IMG_0001, so one name finds the RAW, the JPEG and any edit of it.
    Only the last extension goes ("a.b.jpg" -> "a.b"); a name without one stays whole."""
    name = file_name.rsplit("/", 1)[-1]  # a name with a folder keeps only the file
    stem, dot, suffix = name.rpartition(".")
    return stem if dot and stem and suffix.isalnum() and len(suffix) <= 5 else name


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(name for name in names if name))


def lightroom_filter(file_names: Iterable[str]) -> str:
    """Base names separated by commas, for Library > Filter bar > Text > Filename > Contains."""
    return ", ".join(_unique(base_name(name) for name in file_names))


def _lua_string(text: str) -> str:
    escaped = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif char == "\n":
            escaped.append("\\n")
        elif ord(char) < 32 or ord(char) == 127:
            escaped.append(f"\\{ord(char):03d}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def lightroom_smart_collection(title: str, file_names: Iterable[str]) -> str:
    """A Lightroom Classic smart collection (Library > Collections > + > Import Smart
    Collection Settings) matching any file whose name starts with one of the base names and
    a dot: IMG_0001.CR3 and IMG_0001.jpg, never IMG_00010.jpg."""
    rules = "".join(
        "\t\t{\n"
        '\t\t\tcriteria = "filename",\n'
        '\t\t\toperation = "beginsWith",\n'
        f"\t\t\tvalue = {_lua_string(name + '.')},\n"
        "\t\t},\n"
        for name in _unique(base_name(name) for name in file_names)
    )
    return (
        "s = {\n"
        f'\tid = "{str(uuid.uuid4()).upper()}",\n'
        f"\tinternalName = {_lua_string(title)},\n"
        f"\ttitle = {_lua_string(title)},\n"
        '\ttype = "LibrarySmartCollection",\n'
        "\tvalue = {\n"
        f"{rules}"
        '\t\tcombine = "union",\n'
        "\t},\n"
        "\tversion = 0,\n"
        "}\n"
    )


def _cell(text: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def selection_csv(rows: Iterable[ExportRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["File name", "Base name", "Set", "Favorite of", "Comments"])
    for row in rows:
        writer.writerow(
            [
                _cell(row.file_name),
                _cell(base_name(row.file_name)),
                _cell(row.set_name),
                _cell(", ".join(row.lists)),
                _cell(" | ".join(row.comments)),
            ]
        )
    return out.getvalue()
