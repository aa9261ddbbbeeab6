"""A pivot's worksheet recomputed by LibreOffice, as an accountant's Excel would.

argv: the workbook, its pivot sheet's name, a scratch folder. Loads the formulas and their
cached values (openpyxl), has LibreOffice headless recalculate every formula on load and save a
copy, and compares: every recalculated total must equal the number Quire cached. Then adds 1000
to one cell of a summed value, recalculates again, and lists which totals moved: exactly those
whose formulas reach that cell (SUBTOTAL skips the subtotals nested in its range). Prints JSON.
"""
import json
import math
import os
import re
import subprocess
import sys

import openpyxl
from openpyxl.utils import range_boundaries, get_column_letter

path, sheet_name, scratch = sys.argv[1:4]

# A LibreOffice profile that recalculates a workbook's formulas when it is opened (by default
# it trusts the cached results of a file it did not write).
profile = os.path.join(scratch, "profile")
os.makedirs(os.path.join(profile, "user"), exist_ok=True)
with open(os.path.join(profile, "user", "registrymodifications.xcu"), "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
            '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>\n'
            '</oor:items>\n')


def recalculated(src, name):
    out = os.path.join(scratch, name)
    os.makedirs(out, exist_ok=True)
    subprocess.run(["soffice", "-env:UserInstallation=file://" + profile, "--headless",
                    "--convert-to", "xlsx", "--outdir", out, src],
                   check=True, capture_output=True, timeout=180)
    return openpyxl.load_workbook(os.path.join(out, os.path.basename(src)),
                                  data_only=True)[sheet_name]


formulas = openpyxl.load_workbook(path)[sheet_name]
cached = openpyxl.load_workbook(path, data_only=True)[sheet_name]
cells = {}
for row in formulas.iter_rows():
    for c in row:
        if isinstance(c.value, str) and c.value.startswith("="):
            cells[c.coordinate] = c.value


def close(a, b):
    return isinstance(a, (int, float)) and isinstance(b, (int, float)) and \
        math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


again = recalculated(path, "plain")
differ = [{"cell": k, "cached": cached[k].value, "recalculated": again[k].value}
          for k in cells if not close(cached[k].value, again[k].value)]

# What each formula reads: SUBTOTAL's ranges without the SUBTOTALs in them, SUM's cells.
REF = re.compile(r"\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?")


def reads(formula):
    out = set()
    for m in REF.finditer(formula.split("(", 1)[1]):
        a, b = m.group(1) + m.group(2), (m.group(3) or m.group(1)) + (m.group(4) or m.group(2))
        lo_c, lo_r, hi_c, hi_r = range_boundaries(a + ":" + b)
        for r in range(lo_r, hi_r + 1):
            for col in range(lo_c, hi_c + 1):
                k = get_column_letter(col) + str(r)
                if formula.startswith("=SUBTOTAL") and cells.get(k, "").startswith("=SUBTOTAL"):
                    continue
                out.add(k)
    return out


deps = {k: reads(v) for k, v in cells.items()}

# One number of a summed value: in a column where a group's subtotal adds its rows up.
target = None
for k, v in cells.items():
    if not v.startswith("=SUBTOTAL(9,"):
        continue
    for r in sorted(deps[k], key=lambda x: int(re.sub(r"\D", "", x))):
        if r not in cells and isinstance(formulas[r].value, (int, float)):
            target = r
            break
    if target:
        break

reach = {target}
grew = True
while grew:
    grew = False
    for k, d in deps.items():
        if k not in reach and d & reach:
            reach.add(k)
            grew = True
reach.discard(target)

formulas[target].value = formulas[target].value + 1000
edited = os.path.join(scratch, "edited.xlsx")
formulas.parent.save(edited)
after = recalculated(edited, "edited")
moved = sorted(k for k in cells if close(after[k].value, cached[k].value + 1000))
odd = [k for k in cells if k not in moved and not close(after[k].value, cached[k].value)]

print(json.dumps({
    "formulas": len(cells),
    "subtotals": sum(v.startswith("=SUBTOTAL(") for v in cells.values()),
    "sums": sum(v.startswith("=SUM(") for v in cells.values()),
    "differ": differ[:20],
    "target": target,
    "moved": moved,
    "expected": sorted(reach),
    "odd": odd[:20],
}))
