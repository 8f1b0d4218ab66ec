"""The builtin registry against the AMPscript catalogue: all 155 functions, their argument counts
and official categories, and the generated reference page kept in step with the registry."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from ampy.commands.functions import reference_markdown
from ampy.registry import all_builtins, lookup

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOGUE = os.path.join(os.path.dirname(ROOT), "shared", "ampscript-functions.md")

# (name, min args, max args or None for no limit) per official category: an inline copy of the
# catalogue's tables, so this test runs without the catalogue file.
CATALOGUED: dict[str, list[tuple[str, int, int | None]]] = {
    'String': [
        ('Char', 1, 2), ('Concat', 1, None), ('Format', 2, 4), ('IndexOf', 2, 3), ('Length', 1, 1),
        ('Lowercase', 1, 1), ('ProperCase', 1, 1), ('RegExMatch', 3, None), ('Replace', 2, 3),
        ('ReplaceList', 3, None), ('StringToHex', 1, 2), ('Substring', 2, 3), ('Trim', 1, 1),
        ('Uppercase', 1, 1),
    ],
    'Math': [
        ('Add', 2, 2), ('Divide', 2, 2), ('Mod', 2, 2), ('Multiply', 2, 2), ('Subtract', 2, 2),
    ],
    'Utilities': [
        ('AttributeValue', 1, 1), ('Base64Decode', 1, 3), ('Base64Encode', 1, 2), ('Domain', 1, 1),
        ('Empty', 1, 1), ('FormatCurrency', 2, 4), ('FormatNumber', 2, 3), ('GUID', 0, 0), ('IIf', 3, 3),
        ('IsEmailAddress', 1, 1), ('IsNull', 1, 1), ('IsPhoneNumber', 1, 1), ('Output', 0, None),
        ('OutputLine', 0, None), ('RaiseError', 1, 5), ('Random', 2, 2), ('v', 1, 1),
    ],
    'Date & Time': [
        ('DateAdd', 3, 3), ('DateDiff', 3, 3), ('DateParse', 1, 2), ('DatePart', 2, 2),
        ('FormatDate', 1, 4), ('GetSendTime', 0, 1), ('LocalDateToSystemDate', 1, 1), ('Now', 0, 1),
        ('StringToDate', 1, 1), ('SystemDateToLocalDate', 1, 1),
    ],
    'Data Extension': [
        ('ClaimRow', 4, None), ('ClaimRowValue', 6, None), ('DataExtensionRowCount', 1, 1),
        ('DeleteData', 3, None), ('DeleteDE', 3, None), ('ExecuteFilter', 1, 1),
        ('ExecuteFilterOrderedRows', 3, 3), ('Field', 2, 3), ('InsertData', 3, None),
        ('InsertDE', 3, None), ('Lookup', 4, None), ('LookupOrderedRows', 5, None),
        ('LookupOrderedRowsCS', 5, None), ('LookupRows', 3, None), ('LookupRowsCS', 3, None),
        ('Row', 2, 2), ('RowCount', 1, 1), ('UpdateData', 6, None), ('UpdateDE', 6, None),
        ('UpsertData', 6, None), ('UpsertDE', 6, None),
    ],
    'Content': [
        ('AttachFile', 2, 8), ('BarcodeURL', 4, 9), ('BeginImpressionRegion', 1, 1),
        ('BuildOptionList', 3, None), ('BuildRowsetFromJSON', 3, 3), ('BuildRowSetFromString', 2, 2),
        ('BuildRowSetFromXML', 3, 3), ('ContentArea', 1, 5), ('ContentAreaByName', 1, 5),
        ('ContentBlockByID', 1, 5), ('ContentBlockByKey', 1, 5), ('ContentBlockByName', 1, 5),
        ('ContentImageByID', 1, 2), ('ContentImageByKey', 1, 2), ('EndImpressionRegion', 0, 1),
        ('GetPortfolioItem', 1, 1), ('Image', 1, 2), ('TransformXML', 2, 2), ('TreatAsContent', 1, 1),
        ('TreatAsContentArea', 2, 3), ('WAT', 2, None), ('WATP', 1, 1),
    ],
    'Encryption': [
        ('DecryptSymmetric', 8, 8), ('EncryptSymmetric', 8, 8), ('GetJWT', 3, 3),
        ('GetJWTByKeyName', 3, 3), ('MD5', 1, 2), ('SHA1', 1, 2), ('SHA256', 1, 2), ('SHA512', 1, 2),
    ],
    'HTTP': [
        ('HTTPGet', 1, 4), ('HTTPPost', 3, None), ('HTTPPost2', 3, None), ('HTTPPostWithRetry', 3, None),
        ('HTTPRequestHeader', 1, 1), ('IsCHTMLBrowser', 1, 1), ('RedirectTo', 1, 1), ('URLEncode', 1, 3),
        ('WrapLongURL', 1, 1),
    ],
    'Sites': [
        ('AuthenticatedEmployeeID', 0, 0), ('AuthenticatedEmployeeNotificationAddress', 0, 0),
        ('AuthenticatedEmployeeUserName', 0, 0), ('AuthenticatedEnterpriseID', 0, 0),
        ('AuthenticatedMemberID', 0, 0), ('AuthenticatedMemberName', 0, 0), ('CloudPagesURL', 1, None),
        ('IsNullDefault', 2, 2), ('LiveContentMicrositeURL', 2, 2), ('MicrositeURL', 1, None),
        ('QueryParameter', 1, 1), ('Redirect', 1, 1), ('RequestParameter', 1, 1),
    ],
    'SOAP API': [
        ('AddObjectArrayItem', 3, 3), ('CreateObject', 1, 1), ('InvokeCreate', 3, 4),
        ('InvokeDelete', 3, 4), ('InvokeExecute', 1, 3), ('InvokePerform', 2, 3), ('InvokeRetrieve', 1, 3),
        ('InvokeUpdate', 1, 4), ('SetObjectProperty', 3, 3),
    ],
    'Sales & Service Cloud': [
        ('CreateSalesforceObject', 4, None), ('LongSFID', 1, 1), ('RetrieveSalesforceJobSources', 1, 1),
        ('RetrieveSalesforceObjects', 5, None), ('UpdateSingleSalesforceObject', 4, None),
    ],
    'Microsoft Dynamics CRM': [
        ('AddMscrmListMember', 2, 2), ('CreateMSCRMRecord', 4, None), ('DescribeMSCRMEntities', 0, 0),
        ('DescribeMSCRMEntityAttributes', 1, 1), ('RetrieveMSCRMRecords', 5, 5),
        ('RetrieveMSCRMRecordsFetchXML', 1, 1), ('SetStateMscrmRecord', 4, 4),
        ('UpdateMSCRMRecords', 4, None), ('UpsertMSCRMRecord', 9, 9),
    ],
    'SMS/MobileConnect': [
        ('CreateSmsConversation', 4, 4), ('EndSmsConversation', 2, 2), ('MMS_Content_URL', 1, 1),
        ('Msg', 1, 1), ('Noun', 1, 1), ('Nouns', 0, 0), ('SetSmsConversationNextKeyword', 3, 3),
        ('Verb', 0, 0),
    ],
    'Contacts': [
        ('UpsertContact', 5, None),
    ],
    'Social': [
        ('GetPublishedSocialContent', 1, 1), ('GetSocialPublishURL', 2, None),
        ('GetSocialPublishURLByName', 3, None),
    ],
    'Einstein': [
        ('RatingStars', 3, 3),
    ],
}
EXPECTED = {name.lower(): (category, name, lo, hi) for category, rows in CATALOGUED.items()
            for name, lo, hi in rows}


def parse_catalogue(text: str) -> dict[str, list[tuple[str, int, int | None]]]:
    """The function tables of the catalogue, by "## Category (n)" section."""
    out: dict[str, list[tuple[str, int, int | None]]] = {}
    category = None
    for line in text.splitlines():
        m = re.match(r"^## (.+?) \((\d+)\)$", line)
        if m:
            category = m.group(1)
            out[category] = []
            continue
        if line.startswith("## "):
            category = None
        elif category and line.startswith("| ") and not line.startswith("| Function"):
            name, lo, hi = (c.strip() for c in line.strip().strip("|").split("|")[:3])
            out[category].append((name, int(lo), None if hi == "n" else int(hi)))
    return out


def test_inline_copy_has_155_functions_in_16_categories():
    assert len(EXPECTED) == 155
    assert len(CATALOGUED) == 16


def test_inline_copy_matches_the_catalogue_file_when_present():
    if not os.path.exists(CATALOGUE):
        assert len(EXPECTED) == 155   # nothing to compare with outside the team's tree
        return
    with open(CATALOGUE, encoding="utf-8") as f:
        assert parse_catalogue(f.read()) == CATALOGUED


def test_registry_holds_exactly_the_catalogued_names():
    # ampy's own extensions (InvokeConfigure, InvokeExtract) are declared in a category that says so.
    registered = {b.name.lower(): b.name for b in all_builtins() if "ampy extension" not in b.category}
    missing = sorted(EXPECTED[k][1] for k in EXPECTED.keys() - registered.keys())
    extra = sorted(registered[k] for k in registered.keys() - EXPECTED.keys())
    assert (missing, extra) == ([], []), f"{len(missing)} missing, {len(extra)} not catalogued"


def test_registered_arities_match_the_catalogue():
    wrong = []
    for key, (_, name, lo, hi) in sorted(EXPECTED.items()):
        b = lookup(key)
        if b is not None and (b.min_args, b.max_args) != (lo, hi):
            wrong.append(f"{name}: registry {b.min_args}..{b.max_args}, catalogue {lo}..{hi}")
    assert wrong == []


def test_registered_categories_match_the_catalogue():
    wrong = []
    for key, (category, name, _, _) in sorted(EXPECTED.items()):
        b = lookup(key)
        if b is not None and b.category != category:
            wrong.append(f"{name}: registry {b.category!r}, catalogue {category!r}")
    assert wrong == []


def test_every_builtin_has_a_signature_and_a_one_line_behaviour():
    bad = [b.name for b in all_builtins()
           if not b.doc.strip() or not b.signature.lower().startswith(b.name.lower() + "(")]
    assert bad == []


def test_generated_reference_is_up_to_date():
    with open(os.path.join(ROOT, "docs", "functions.md"), encoding="utf-8", newline="") as f:
        on_disk = f.read()
    assert on_disk == reference_markdown(), "run: python scripts/gen_function_docs.py"


def _generator(*args, cwd):
    script = os.path.join(ROOT, "scripts", "gen_function_docs.py")
    return subprocess.run([sys.executable, script, *args], check=False, capture_output=True, text=True, cwd=cwd)


def test_generator_writes_the_page_and_check_mode_tells_fresh_from_stale(tmp_path):
    page = tmp_path / "functions.md"
    page.write_text("# old\n", encoding="utf-8")
    stale = _generator("--check", "--path", str(page), cwd=tmp_path)
    assert (stale.returncode, stale.stdout, stale.stderr) == (
        1, "", "functions.md is out of date: run python scripts/gen_function_docs.py\n")
    assert page.read_text(encoding="utf-8") == "# old\n"   # --check never writes
    written = _generator("--path", str(page), cwd=tmp_path)
    assert (written.returncode, written.stdout, written.stderr) == (0, "", "")
    assert page.read_bytes().decode("utf-8") == reference_markdown()
    fresh = _generator("--check", "--path", str(page), cwd=tmp_path)
    assert (fresh.returncode, fresh.stderr) == (0, "")
    missing = _generator("--check", "--path", str(tmp_path / "none.md"), cwd=tmp_path)
    assert missing.returncode == 1
