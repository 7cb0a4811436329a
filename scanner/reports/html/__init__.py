"""The HTML report: one self-contained file with hand-written SVG charts."""
