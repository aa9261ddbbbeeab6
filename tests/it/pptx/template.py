"""A company's PowerPoint template for the tests: python-pptx's own "Office Theme" master with
its eleven layouts, a picture on the master (as a logo would be) and one slide of its own
(which a deck made on it must not carry).

argv: where to save it.
"""
import base64
import copy
import io
import sys

from pptx import Presentation
from pptx.util import Inches

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
deck = Presentation()
slide = deck.slides.add_slide(deck.slide_layouts[6])
picture = slide.shapes.add_picture(io.BytesIO(PNG), Inches(0.2), Inches(0.2), Inches(0.5), Inches(0.5))
master = deck.slide_master
_, rid = master.part.get_or_add_image_part(io.BytesIO(PNG))
logo = copy.deepcopy(picture._element)
logo.blipFill.blip.rEmbed = rid
master.shapes._spTree.append(logo)
deck.save(sys.argv[1])
