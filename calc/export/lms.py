"""Quizzes for a learning management system: every blank of the worksheet (calc.export.worksheet.answers, same
list, same order, labels in the view's notation) as a numerical question with a tolerance.

    moodle   Moodle XML: a <quiz> of `numerical` questions, a category per problem (per seed in a class set)
    gift     Moodle GIFT: `::name:: text {#value:tolerance}`, the special characters ~ = # { } : escaped
    qti      QTI 1.2 zip for Canvas: imsmanifest.xml and one assessment per problem; items are numerical
             (response_num, render_fib fibtype="Decimal"), graded by vargte/varlte bounds

The answer is the value rounded half up to N decimals (Options.answer_decimals); its tolerance is
worksheet.tolerance: 0.55 * 10^-N, widened where a hand calculation rounded to N decimals lands further.
XML is written with xml.etree.ElementTree (standard library; it escapes <, & and quotes in text and attributes).
"""
from __future__ import annotations

import io
import re
import zipfile
import xml.etree.ElementTree as ET

from calc.export.document import Document, Options, build, options
from calc.export.worksheet import Answer, answers, instruction
from calc.worked.solve import Solution

FORMATS = ("moodle", "gift", "qti")


def _num(x: float, n: int) -> str:
    """A tolerance or bound as a plain decimal (no exponent): enough decimals to carry it exactly."""
    s = f"{x:.{n + 4}f}".rstrip("0")
    return s + "0" if s.endswith(".") else s


def _sheet(sol: Solution, opts: Options | None, kw: dict) -> Document:
    return build(sol, options(opts, **{**kw, "worksheet": True, "answer_key": False}))


def context(doc: Document) -> tuple[str, str]:
    """(heading, givens) as plain text: the problem's name, seed and summary; every given number."""
    seed = f" (seed {int(doc.opts.seed)})" if doc.opts.seed is not None else ""
    givens = ", ".join(f"{g.step.label} = {float(g.step.value):.10g}" for g in doc.givens
                       if isinstance(g.step.value, (int, float)))
    return f"{doc.title}{seed}. {doc.summary}.", f"Given: {givens}."


def ask(a: Answer) -> str:
    """What the question asks, plain text."""
    where = f" (row {a.cell[0]}, column {a.cell[1]} of {a.label.split('[')[0]})" if a.cell else ""
    return f"Compute {a.label}{where} ({a.section.lower()})."


def step_ref(a: Answer) -> str:
    """The step id a question asks for (calc.worked.ids; README "Step ids"); a matrix cell adds [row,column]."""
    return f"{a.sid}[{a.cell[0]},{a.cell[1]}]" if a.cell else a.sid


def category(doc: Document) -> str:
    """$course$/backprop/seed 7, or the problem's name ('/' would make a subcategory)."""
    name = f"seed {int(doc.opts.seed)}" if doc.opts.seed is not None else " ".join(doc.title.replace("/", "-").split())
    return f"$course$/backprop/{name or 'problem'}"


def html(doc: Document, a: Answer) -> str:
    """The question text as HTML: context, givens, the step (and its formula in \\( \\) for MathJax)."""
    from html import escape
    head, givens = context(doc)
    line = next((l for s in doc.sections for l in s.lines + s.table if l.step.id == a.sid), None)
    formula = (rf"<p>\({escape(line.lhs)} = {escape(line.formula)}\)</p>" if line is not None and line.formula
               else "")
    return (f"<p>{escape(head)}</p><p>{escape(givens)}</p><p><b>{escape(ask(a))}</b></p>{formula}"
            f"<p>{escape(instruction(doc.opts.answer_decimals).split(' Work in')[0])}</p>")


def _text(parent: ET.Element, tag: str, value: str, **attrs) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    ET.SubElement(el, "text").text = value
    return el


# ---- Moodle XML -----------------------------------------------------------------------------------------
def moodle_questions(quiz: ET.Element, doc: Document) -> None:
    """A category question, then one numerical question per blank."""
    cat = ET.SubElement(quiz, "question", type="category")
    _text(cat, "category", category(doc))
    n = doc.opts.answer_decimals
    for k, a in enumerate(answers(doc), 1):
        q = ET.SubElement(quiz, "question", type="numerical")
        _text(q, "name", f"{k:03d} {a.label}")
        ET.SubElement(q, "idnumber").text = step_ref(a)
        _text(q, "questiontext", html(doc, a), format="html")
        _text(q, "generalfeedback", f"<p>{a.label} = {a.key}</p>", format="html")
        ET.SubElement(q, "defaultgrade").text = "1"
        ET.SubElement(q, "penalty").text = "0"
        ET.SubElement(q, "hidden").text = "0"
        ans = _text(q, "answer", a.key, fraction="100", format="moodle_auto_format")
        ET.SubElement(ans, "tolerance").text = _num(a.tolerance, n)
        _text(ans, "feedback", "", format="html")
        ET.SubElement(q, "unitgradingtype").text = "0"
        ET.SubElement(q, "unitpenalty").text = "0"
        ET.SubElement(q, "showunits").text = "3"            # no units
        ET.SubElement(q, "unitsleft").text = "0"


def moodle(docs: list[Document]) -> str:
    quiz = ET.Element("quiz")
    for doc in docs:
        moodle_questions(quiz, doc)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


# ---- GIFT -----------------------------------------------------------------------------------------------
_GIFT_SPECIAL = re.compile(r"([~=#{}:\\])")


def gift_text(s: str) -> str:
    """Literal text in GIFT: ~ = # { } : and the backslash escaped with a backslash; one line."""
    return _GIFT_SPECIAL.sub(r"\\\1", " ".join(str(s).split()))


def gift(docs: list[Document]) -> str:
    out = []
    for doc in docs:
        out += [f"$CATEGORY: {category(doc)}", ""]
        head, givens = context(doc)
        rule = instruction(doc.opts.answer_decimals).split(" Work in")[0]
        n = doc.opts.answer_decimals
        for k, a in enumerate(answers(doc), 1):
            text = gift_text(f"{head} {givens} {ask(a)} {rule}")
            out += [f"::{gift_text(f'{k:03d} {a.label}')}:: {text} {{#{a.key}:{_num(a.tolerance, n)}}}", ""]
    return "\n".join(out)


# ---- QTI 1.2 (Canvas) -----------------------------------------------------------------------------------
QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"


def _meta(parent: ET.Element, fields: dict[str, str]) -> None:
    md = ET.SubElement(parent, "qtimetadata")
    for k, v in fields.items():
        f = ET.SubElement(md, "qtimetadatafield")
        ET.SubElement(f, "fieldlabel").text = k
        ET.SubElement(f, "fieldentry").text = v


def qti_assessment(doc: Document, ident: str) -> str:
    """One assessment: a numerical item per blank, correct when lower <= response <= upper."""
    root = ET.Element("questestinterop", xmlns=QTI_NS)
    seed = f" (seed {int(doc.opts.seed)})" if doc.opts.seed is not None else ""
    test = ET.SubElement(root, "assessment", ident=ident, title=f"{doc.title}{seed}")
    _meta(test, {"cc_maxattempts": "1"})
    sec = ET.SubElement(test, "section", ident="root_section")
    n = doc.opts.answer_decimals
    for k, a in enumerate(answers(doc), 1):
        item = ET.SubElement(sec, "item", ident=f"{ident}_q{k:03d}", title=f"{k:03d} {a.label}")
        _meta(ET.SubElement(item, "itemmetadata"), {"question_type": "numerical_question",
                                                    "points_possible": "1.0", "calc_step": step_ref(a)})
        pres = ET.SubElement(item, "presentation")
        ET.SubElement(ET.SubElement(pres, "material"), "mattext", texttype="text/html").text = html(doc, a)
        resp = ET.SubElement(pres, "response_num", ident="response1", rcardinality="Single", numtype="Decimal")
        ET.SubElement(ET.SubElement(resp, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
        proc = ET.SubElement(item, "resprocessing")
        ET.SubElement(ET.SubElement(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE",
                      vartype="Decimal")
        cond = ET.SubElement(proc, "respcondition", {"continue": "No"})
        both = ET.SubElement(ET.SubElement(cond, "conditionvar"), "and")
        ET.SubElement(both, "vargte", respident="response1").text = _num(float(a.key) - a.tolerance, n)
        ET.SubElement(both, "varlte", respident="response1").text = _num(float(a.key) + a.tolerance, n)
        ET.SubElement(cond, "setvar", action="Set", varname="SCORE").text = "100"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def qti(docs: list[Document]) -> bytes:
    """The zip: imsmanifest.xml with one resource per assessment, each at <ident>/<ident>.xml."""
    manifest = ET.Element("manifest", {"identifier": "backprop_quiz", "xmlns": CP_NS})
    meta = ET.SubElement(manifest, "metadata")
    ET.SubElement(meta, "schema").text = "IMS Content"
    ET.SubElement(meta, "schemaversion").text = "1.1.3"
    ET.SubElement(manifest, "organizations")
    resources = ET.SubElement(manifest, "resources")
    files = {}
    for k, doc in enumerate(docs, 1):
        ident = f"backprop_{int(doc.opts.seed)}" if doc.opts.seed is not None else f"backprop_{k}"
        path = f"{ident}/{ident}.xml"
        files[path] = qti_assessment(doc, ident)
        res = ET.SubElement(resources, "resource", identifier=ident, type="imsqti_xmlv1p2", href=path)
        ET.SubElement(res, "file", href=path)
    ET.indent(manifest)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("imsmanifest.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
                   + ET.tostring(manifest, encoding="unicode") + "\n")
        for path, text in files.items():
            z.writestr(path, text)
    return buf.getvalue()


# ---- entry points ---------------------------------------------------------------------------------------
LABELS = {"moodle": "Moodle XML quiz", "gift": "GIFT quiz (Moodle)", "qti": "QTI 1.2 quiz (Canvas, zip)"}
MIME = {"moodle": "application/xml", "gift": "text/plain", "qti": "application/zip"}


def quizzes(spec_json: str, notation: str | None, opts: Options) -> dict[str, bytes]:
    """{format: file bytes} of every quiz format for the app's Export page (a job of calc.jobs: picklable in and
    out)."""
    from calc.problem.spec import parse_json_text, spec_from_dict
    from calc.worked.solve import solve
    sol = solve(spec_from_dict(parse_json_text(spec_json, limit=None)), notation=notation)
    doc = _sheet(sol, opts, {})
    out = {fmt: write([doc], fmt) for fmt in FORMATS}
    return {fmt: data if isinstance(data, bytes) else data.encode("utf-8") for fmt, data in out.items()}


def write(docs: list[Document], fmt: str) -> str | bytes:
    if fmt not in FORMATS:
        raise ValueError(f"format: {fmt!r} is not an LMS format ({', '.join(FORMATS)})")
    return {"moodle": moodle, "gift": gift, "qti": qti}[fmt](docs)


def render(sol: Solution, opts: Options | None = None, lms: str = "moodle", **kw) -> str | bytes:
    """Solution -> a quiz in `lms` format (moodle and gift: text; qti: zip bytes)."""
    return write([_sheet(sol, opts, kw)], lms)


def class_set(specs: list, fmt: str, opts: Options | None = None) -> str | bytes:
    """[(seed, Spec)] -> one quiz: a Moodle category (or QTI assessment, GIFT category) per seed."""
    from calc.worked.solve import solve
    docs = [_sheet(solve(spec, notation=(opts.notation if opts else None)), opts, {"seed": seed})
            for seed, spec in specs]
    return write(docs, fmt)
