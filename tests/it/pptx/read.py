"""A deck read by python-pptx, as an outsider's program would: prints JSON with each slide's
texts, native charts (type, each plot's series with their values, categories, and the values of
the workbook embedded for "Edit data", read with openpyxl), tables (their cells) and pictures.

argv: the .pptx file.
"""
import io
import json
import sys

import openpyxl
from pptx import Presentation

deck = Presentation(sys.argv[1])
out = {"width": deck.slide_width, "height": deck.slide_height, "slides": [],
       "masters": len(deck.slide_masters), "layouts": [l.name for l in deck.slide_layouts]}
for slide in deck.slides:
    s = {"texts": [], "charts": [], "tables": [], "pictures": 0, "layout": slide.slide_layout.name}
    for shape in slide.shapes:
        if shape.has_chart:
            chart = shape.chart
            plots = []
            for plot in chart.plots:
                plots.append({
                    "kind": type(plot).__name__,
                    "categories": [str(c) for c in plot.categories],
                    "series": [{"name": se.name, "values": list(se.values)} for se in plot.series],
                })
            book = openpyxl.load_workbook(io.BytesIO(chart.part.chart_workbook.xlsx_part.blob))
            sheet = book.active
            embedded = [[c.value for c in row] for row in sheet.iter_rows()]
            s["charts"].append({"type": str(chart.chart_type), "plots": plots, "embedded": embedded})
        elif shape.has_table:
            rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
            s["tables"].append(rows)
        elif shape.shape_type == 13:
            s["pictures"] += 1
        elif shape.has_text_frame and shape.text_frame.text.strip():
            s["texts"].append(shape.text_frame.text)
    out["slides"].append(s)
print(json.dumps(out))
